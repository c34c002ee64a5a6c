// A stand-in for stdout/stderr in CLI tests (not a TTY): it keeps everything written.
export class TextStream {
  isTTY = false;
  text = '';
  write = (s: string, cb?: () => void) => {
    this.text += s;
    cb?.();
    return true;
  };
}
