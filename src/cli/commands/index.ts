// The registry of CLI subcommands.
import type { Command } from '../command';
import { convert } from './convert';
import { inspect } from './inspect';

export const commands: Record<string, Command> = {
  inspect,
  convert,
};
