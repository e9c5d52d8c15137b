// The registry of CLI subcommands.
import type { Command } from '../command';
import { inspect } from './inspect';

export const commands: Record<string, Command> = {
  inspect,
};
