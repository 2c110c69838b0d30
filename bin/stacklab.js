#!/usr/bin/env node
// Command-line shim: the CLI itself is compiled from src/cli.ts to dist/.
import { main } from "../dist/cli.js";

await main();
