// Start-up speed: Ink's layout engine (yoga-layout, WebAssembly) decodes its embedded binary with
// fetch() on a data: URL when fetch exists, which loads Node's whole fetch implementation first,
// before the first frame. Without fetch it decodes the same bytes directly. So: hide
// fetch while the modules load (this file is src/cli.tsx's first import) and put it back, untouched,
// as soon as they have (restoreFetch(), first thing in cli.tsx's body). Nothing else runs meanwhile.
const saved = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
if (saved?.configurable) delete (globalThis as { fetch?: unknown }).fetch;

export function restoreFetch(): void {
  if (saved?.configurable && !Object.getOwnPropertyDescriptor(globalThis, 'fetch')) {
    Object.defineProperty(globalThis, 'fetch', saved);
  }
}
