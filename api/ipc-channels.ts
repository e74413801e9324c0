/**
 * Channel names only, with no schema library: the sandboxed preload bundles this
 * file and nothing else from the contract.
 */
export const IPC_CHANNELS = {
  startSession: 'firstkey:session:start',
  currentSession: 'firstkey:session:current',
  registrationOptions: 'firstkey:registration:options',
  verifyRegistration: 'firstkey:registration:verify',
  completeSession: 'firstkey:session:complete',
  endSession: 'firstkey:session:end',
  takeLaunchCode: 'firstkey:link:take',
  waitForLaunchCode: 'firstkey:link:wait',
  deviceKeyStatus: 'firstkey:device:status',
  replaceDeviceKey: 'firstkey:device:replace-key',
  exportDiagnostics: 'firstkey:diagnostics:export',
  recover: 'firstkey:recovery:open',
  fileRecoveryRequest: 'firstkey:recovery:file',
  recoveryRequestStatus: 'firstkey:recovery:status',
  authenticationOptions: 'firstkey:authentication:options',
  authenticate: 'firstkey:authentication:verify',
  securityOverview: 'firstkey:security:overview',
  renameFactor: 'firstkey:security:rename-factor',
  removeFactor: 'firstkey:security:remove-factor',
  removeDevice: 'firstkey:security:remove-device',
  regenerateRecoveryCodes: 'firstkey:security:regenerate-codes',
  stationStatus: 'firstkey:kiosk:station-status',
  registerStation: 'firstkey:kiosk:register-station',
  operatorOptions: 'firstkey:kiosk:operator-options',
  confirmNewHire: 'firstkey:kiosk:confirm-new-hire',
  printRecoveryCodes: 'firstkey:kiosk:print-codes',
  resetStation: 'firstkey:kiosk:reset',
  operatorPinStatus: 'firstkey:kiosk:pin-status',
  setOperatorPin: 'firstkey:kiosk:pin-set',
  verifyOperatorPin: 'firstkey:kiosk:pin-verify',
  exitKiosk: 'firstkey:kiosk:exit',
  fileApprovalRequest: 'firstkey:approval:file',
  approvalRequestStatus: 'firstkey:approval:status',
  collectApproval: 'firstkey:approval:collect',
  findApprovalRequest: 'firstkey:approval:find',
  decideApprovalRequest: 'firstkey:approval:decide',
} as const;

export type IpcName = keyof typeof IPC_CHANNELS;
