import { StationName } from '../../api/kiosk.js';
import type { Services } from '../services.js';

/** The kiosk station commands of the admin CLI. */
export const STATION_USAGE = `  npm run admin -- issue-station-code --name "Lobby 1" [--ttl 3600]
  npm run admin -- list-stations
  npm run admin -- revoke-station --id <station id>`;

export const STATION_COMMANDS = ['issue-station-code', 'list-stations', 'revoke-station'];

export interface StationArgs {
  name?: string;
  id?: string;
  ttl?: string;
}

/** The missing or unusable option, named for the operator; null when complete. */
export function missingStationOption(command: string, v: StationArgs): string | null {
  if (command === 'issue-station-code' && !StationName.safeParse(v.name ?? '').success) return '--name is required (1-100 characters)';
  if (command === 'revoke-station' && !v.id) return '--id is required (see list-stations)';
  return null;
}

export async function runStationCommand(
  services: Services,
  command: string,
  v: StationArgs,
  actor: string,
  out: (line: string) => void,
): Promise<void> {
  if (command === 'issue-station-code') {
    const ttl = v.ttl ? Number.parseInt(v.ttl, 10) : undefined;
    const issued = await services.stations.issueStationCode(StationName.parse(v.name), actor, ttl);
    out(`Station code for "${issued.stationName}": ${issued.code}`);
    out(`Type it into the station's "Register this station" screen before ${issued.expiresAt}. It is shown only this once.`);
  } else if (command === 'list-stations') {
    const stations = await services.stations.list();
    if (stations.length === 0) out('No kiosk stations.');
    for (const s of stations) {
      const when =
        s.state === 'pending'
          ? `code valid until ${s.codeExpiresAt}`
          : s.state === 'revoked'
            ? `revoked ${s.revokedAt ?? ''}`
            : `registered ${s.registeredAt ?? ''}, renew by ${s.renewBy ?? ''}`;
      out(`${s.id}  ${s.state}  "${s.name}"  ${when}  last seen ${s.lastSeenAt ?? 'never'}  ${s.confirmations} confirmed`);
    }
  } else {
    const station = await services.stations.revoke(v.id ?? '', actor);
    out(`Revoked station "${station.name}": its sessions ended and its calls are refused from now on.`);
  }
}
