import { Shell, SECTIONS } from './components/Shell';
import { SessionWatch } from './components/SessionWatch';
import { useConsole } from './store';
import { BreakGlass } from './screens/BreakGlass';
import { EmergencyAccess } from './screens/EmergencyAccess';
import { Funnel } from './screens/Funnel';
import { IssueCode } from './screens/IssueCode';
import { People } from './screens/People';
import { Queue } from './screens/Queue';
import { RequestPage } from './screens/RequestPage';
import { SignIn } from './screens/SignIn';

export function App() {
  const token = useConsole((s) => s.token);
  const view = useConsole((s) => s.view);
  const can = useConsole((s) => s.can);
  if (!token) return <SignIn />;
  // The first section this agent may open, if the current one is not theirs.
  const allowed = SECTIONS.filter((s) => can(s.permission)).map((s) => s.view);
  const shown = view === 'request' ? (can('recovery:read') ? 'request' : allowed[0]) : allowed.includes(view) ? view : allowed[0];
  return (
    <>
      <SessionWatch />
      <Shell>
        {shown === 'queue' && <Queue />}
        {shown === 'request' && <RequestPage />}
        {shown === 'codes' && <IssueCode />}
        {shown === 'people' && <People />}
        {shown === 'funnel' && <Funnel />}
        {shown === 'emergency' && <EmergencyAccess />}
        {shown === 'breakGlass' && <BreakGlass />}
      </Shell>
    </>
  );
}
