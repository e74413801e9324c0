/** The tables of friction metrics; part of Database (server/db/schema.ts). */

/** The app's time on one screen of one enrolment session (api/friction.ts StepTimings): no person, no free text. */
export interface StepTimingsTable {
  session_id: string;
  /** The visit's place in the app's report: the highest is where the person stopped. */
  position: number;
  step: string;
  ms: number;
  /** The session's policy tier when the report arrived. */
  tier: string;
  recorded_at: string;
}

export interface FrictionTables {
  step_timings: StepTimingsTable;
}
