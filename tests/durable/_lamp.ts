/** How long the test Worker's lamp stays lit before it times out (ms). */
export const LIT_MS = 1500;
