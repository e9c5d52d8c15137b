// The deploy core's public API (the CLI command and the VS Code command use only this).
export { deploy, RUNNER_NAME } from './deploy';
export { DeployError, type DeployErrorCode } from './errors';
export { parseHostSpec, resolveTarget, type NewHostInfo, type SshTarget } from './connect';
export { readSshConfigHosts, type SshConfigHost } from './ssh-config';
export {
  reportJson, type DeployHooks, type DeployOptions, type DeployProgress, type DeployReport, type DeployResult,
  type DeployStep,
} from './types';
