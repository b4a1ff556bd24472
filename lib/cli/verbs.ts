// Everything a verb needs, in one module that lib/cli/main.ts imports when a command runs (never at start-up): the
// container commands, the lifecycle, network and misc ones, and the printing (errors, colour, the --verbose trace).
// `glassbox --version`, `--help` and commander's usage errors never load it. Learn mode and the image commands,
// which the container verbs do not need, are evaluated only when they run. In the build this module and all it
// imports are one bundle, dist/verbs.cjs, loaded through V8's code cache (scripts/build-cli.mjs).

export { cmdPlan, cmdRun, cmdScript, refuseTrailingGlobal } from './container.ts';
export { cmdBundle } from './bundle.ts';
export { cmdExec, cmdInspect, cmdKill, cmdLogs, cmdPs, cmdRestart, cmdRm, cmdStop } from './lifecycle.ts';
export { cmdDoctor, cmdGc, cmdImageFromHost, cmdImages, cmdStats } from './misc.ts';
export { cmdNetworkCreate, cmdNetworkInspect, cmdNetworkLs, cmdNetworkRm, cmdPort } from './network.ts';
export { cmdVolumeCreate, cmdVolumeInspect, cmdVolumeLs, cmdVolumePrune, cmdVolumeRm } from './volume.ts';
export { enableTrace, reportError, setColour } from './output.ts';
export { cmdCp, cmdCreate, cmdInfo, cmdPause, cmdRename, cmdStart, cmdSystemDf, cmdSystemPrune, cmdTop, cmdVersion, cmdWait } from './everyday.ts';
export { maybeRunRootless } from '../rootless/reexec.ts';
export { loadSpawner } from '../exec/spawn.ts';

export const images = () => import('./images.ts');
export const learn = () => import('./learn.ts');
export const compose = () => import('./compose.ts');
export const build = () => import('./build.ts');
export const kube = () => import('./kube.ts');
