// The signed-in token lives in sessionStorage only: it dies with the tab, is never put in a URL or a cookie, and
// the page's Content-Security-Policy lets no script from another origin run here to read it.
const KEY = 'jp.dashboard.token';

let caller = null;

export const session = {
  get token() {
    return sessionStorage.getItem(KEY);
  },
  get caller() {
    return caller;
  },
  signIn(token, who) {
    sessionStorage.setItem(KEY, token);
    caller = who;
  },
  setCaller(who) {
    caller = who;
  },
  signOut() {
    sessionStorage.removeItem(KEY);
    caller = null;
  },
  /** A supervisor (信用办) or the administrator: sees every department. */
  get isSupervisor() {
    return caller?.kind === 'admin' || Boolean(caller?.department?.supervisor);
  },
  get department() {
    return caller?.kind === 'department' ? caller.department.code : null;
  },
};
