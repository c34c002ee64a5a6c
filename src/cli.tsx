// Placeholder: parses flags, builds the real environment and picks the mode (filled in by the wizard work).
console.log('registry-setup');
