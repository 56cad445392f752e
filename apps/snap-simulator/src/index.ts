export { createSnapSimulator } from './simulator';
export type { SnapSimulator, SnapSimulatorOptions } from './simulator';
export { loadSeedFile } from './seed';
export { createSimulatorLogger } from './logger';
export { FAULT_KINDS, FaultQueue, TOKEN_FAULT_KINDS } from './faults';
export type { FaultKind, FaultSpec, TokenFaultKind, TokenFaultSpec } from './faults';
export type { AccountSpec, AccountPatch, PartnerSpec, SimulatorSettings, TokenSpec } from './specs';
export { DEFAULT_SETTINGS, SimulatorSpecError } from './specs';
export { PAGE_ACCOUNT_STATUS } from './accounts';
export type { AccountView } from './accounts';
export type { SimulatorStats, ProviderStats, EndpointStats } from './stats';
export { PROVIDER_RULES, SIMULATED_PROVIDERS, resolvePaths, resolveRules } from './provider-rules';
export type {
  EndpointKind,
  ProviderRules,
  SimulatorPaths,
  SimulatorPathOverrides,
  SimulatorRuleOverrides,
} from './provider-rules';
export { minifyJson, symmetricSignature, verifyTokenSignature } from './signing';
export { startSimulatorFromEnv } from './from-env';
