import { AccountService } from './accounts/service.js';
import { installAuditKey, loadAuditKey } from './audit/key.js';
import { AuthenticationService } from './authentication/service.js';
import type { ServiceDeps } from './context.js';
import { DeviceApprovals } from './device-approval/service.js';
import { Completion } from './enrolment/completion.js';
import { BreakGlassService } from './break-glass/service.js';
import { EmergencyAccessService } from './emergency-access/service.js';
import { DeviceRegistry } from './enrolment/devices.js';
import { EnrolmentService } from './enrolment/service.js';
import { FrictionService } from './friction/service.js';
import { SessionStore } from './enrolment/sessions.js';
import { OperatorStep } from './kiosk/operator-step.js';
import { StationRegistry } from './kiosk/stations.js';
import { ManageService } from './manage/service.js';
import { ApiTokens } from './operators/api-tokens.js';
import { ConsoleSessions } from './operators/console-sessions.js';
import { OperatorRoles } from './operators/roles.js';
import { PersonLookup } from './people/lookup.js';
import { PersonRevocation } from './people/revocation.js';
import { MoverService } from './movers/service.js';
import { ProvisioningService } from './provisioning/service.js';
import { Helpdesk } from './recovery/helpdesk.js';
import { RecoveryCodes } from './recovery/recovery-codes.js';
import { RecoveryService } from './recovery/service.js';

/** Every service of the reference server, each owning one flow. */
export interface Services {
  accounts: AccountService;
  devices: DeviceRegistry;
  sessions: SessionStore;
  enrolment: EnrolmentService;
  authentication: AuthenticationService;
  recoveryCodes: RecoveryCodes;
  helpdesk: Helpdesk;
  recovery: RecoveryService;
  manage: ManageService;
  stations: StationRegistry;
  operators: OperatorStep;
  deviceApprovals: DeviceApprovals;
  provisioning: ProvisioningService;
  /** Role and employment changes asked for directly (admin API, console, CLI); SCIM and the import move people too. */
  movers: MoverService;
  friction: FrictionService;
  /** Help-desk, admin and auditor roles of operator accounts (not the kiosk's operator step: `operators`). */
  operatorRoles: OperatorRoles;
  apiTokens: ApiTokens;
  consoleSessions: ConsoleSessions;
  /** The help-desk console's look-up and revocations of one person. */
  people: { lookup: PersonLookup; revocation: PersonRevocation };
  /** Break-glass accounts' supervised ceremony: custodians' confirmations and key labels. */
  breakGlass: BreakGlassService;
  /** Emergency human-backed access to service accounts: owners ask, admins decide, systems introspect. */
  emergencyAccess: EmergencyAccessService;
}

/**
 * The composition root: the one place that knows how the services depend on each other.
 * Dependencies run one way: flows use sessions, devices and completion, never each other.
 */
export function createServices(deps: ServiceDeps): Services {
  // Every append in this process is keyed with the deployment's audit key (server/audit/key.ts).
  installAuditKey(loadAuditKey(deps.config));
  const devices = new DeviceRegistry(deps);
  const sessions = new SessionStore(deps, devices);
  const recoveryCodes = new RecoveryCodes(deps);
  const helpdesk = new Helpdesk(deps, devices);
  const completion = new Completion(deps, devices, sessions, recoveryCodes);
  const stations = new StationRegistry(deps, devices);
  const provisioning = new ProvisioningService(deps);
  return {
    accounts: new AccountService(deps),
    devices,
    sessions,
    enrolment: new EnrolmentService(deps, sessions, devices, completion),
    authentication: new AuthenticationService(deps, sessions, devices),
    recoveryCodes,
    helpdesk,
    recovery: new RecoveryService(deps, sessions, devices, recoveryCodes, helpdesk),
    manage: new ManageService(deps, sessions, devices, recoveryCodes),
    stations,
    operators: new OperatorStep(deps, stations),
    deviceApprovals: new DeviceApprovals(deps, sessions, devices),
    provisioning,
    movers: new MoverService(deps, provisioning),
    friction: new FrictionService(deps),
    operatorRoles: new OperatorRoles(deps),
    apiTokens: new ApiTokens(deps),
    consoleSessions: new ConsoleSessions(deps),
    people: { lookup: new PersonLookup(deps, helpdesk), revocation: new PersonRevocation(deps, devices) },
    breakGlass: new BreakGlassService(deps, sessions),
    emergencyAccess: new EmergencyAccessService(deps, sessions),
  };
}
