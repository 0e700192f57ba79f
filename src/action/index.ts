// The Action's entry point (action.yml → dist/index.js). run() catches everything and sets the exit code.
import { run } from './main.js';

void run();
