// esbuild's text loader: an imported .html file is its text.
declare module "*.html" {
  const text: string;
  export default text;
}
