// The registry of CLI subcommands.
import type { Command } from '../command';
import { compare } from './compare';
import { convert } from './convert';
import { deploy } from './deploy';
import { inspect } from './inspect';
import { micro } from './micro';

export const commands: Record<string, Command> = {
  inspect,
  convert,
  compare,
  deploy,
  micro,
};
