// esbuild's text loader: `import('./runner.py', { with: { type: 'text' } })` yields the file's contents.
declare module '*.py' {
  const text: string;
  export default text;
}
