// Runs in every test worker before the test files load.
//
// Tests reproduce a newcomer's terminal, not the CI machine they run on. CI runners set CI=true,
// and Ink reads it once, when it is first imported (is-in-ci): it then draws only <Static> output
// and the last frame at unmount, so a UI test that waits for a live panel would wait forever.
// Tests that mean to exercise CI behaviour pass CI explicitly (runCli reads an injected env).
delete process.env.CI;
delete process.env.CONTINUOUS_INTEGRATION;
