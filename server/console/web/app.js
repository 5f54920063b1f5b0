// The console's shell: sign-in, navigation between pages (real paths under
// /console/, so a filtered inbox or a case can be bookmarked), and the live
// connection's state.
import { gql, apiKey, setKey, onLive } from '/console/api.js';
import { h } from '/console/util.js';

const pages = {
  inbox: () => import('/console/inbox.js'),
  case: () => import('/console/case.js'),
  platforms: () => import('/console/platforms.js'),
  analytics: () => import('/console/analytics.js'),
};

const root = document.getElementById('page');
const signin = document.getElementById('signin');
const signinError = document.getElementById('signin-error');
const input = document.getElementById('apikey');
let stopPage = null;
let shown = 0; // the latest render; only it may clear the busy mark

onLive((state) => {
  document.getElementById('live').textContent = state === 'connected' ? 'Live' : state === 'closed' ? 'Live updates reconnecting…' : 'Live updates interrupted';
});

function route() {
  const p = location.pathname.replace(/^\/console\/?/, '');
  if (p.startsWith('case/')) return { page: 'case', arg: decodeURIComponent(p.slice(5)) };
  if (p === 'platforms' || p === 'analytics') return { page: p };
  return { page: 'inbox' };
}

export function navigate(url) {
  history.pushState(null, '', url);
  render();
}

async function render() {
  if (stopPage) { stopPage(); stopPage = null; }
  if (!apiKey()) return showSignIn();
  signin.hidden = true;
  document.getElementById('signout').hidden = false;
  const { page, arg } = route();
  // Busy from the URL's change until its page is drawn: the old page stays
  // on screen meanwhile, and assistive tech (and tests) can tell.
  const mine = ++shown;
  root.setAttribute('aria-busy', 'true');
  for (const a of document.querySelectorAll('nav a')) {
    if (a.dataset.page === page) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  try {
    const mod = await pages[page]();
    root.replaceChildren();
    stopPage = (await mod.render(root, { arg, navigate, params: new URLSearchParams(location.search) })) || null;
  } catch (e) {
    if (e.signIn) return showSignIn(e);
    root.replaceChildren(h('div', { class: 'error', role: 'alert' }, 'This page could not load: ', e.message, ' ', h('code', {}, e.code || '')));
  } finally {
    if (mine === shown) root.setAttribute('aria-busy', 'false');
  }
}

function showSignIn(err) {
  root.replaceChildren();
  signin.hidden = false;
  document.getElementById('signout').hidden = true;
  signinError.textContent = err ? 'Sign-in failed: ' + err.message + ' (' + err.code + '). Check the API key.' : '';
  input.value = input.value || window.returnsgwDemoKey || '';
  input.focus();
}

document.getElementById('signin-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const k = input.value.trim();
  signinError.textContent = '';
  setKey(k);
  try {
    await gql('{ __typename }');
  } catch (err) {
    setKey('');
    signinError.textContent = err.signIn ? 'Sign-in failed: the gateway refused this API key (' + err.code + '). Check it and try again.' :
      'Sign-in failed: ' + err.message + ' (' + err.code + ')';
    input.focus();
    return;
  }
  render();
});

document.getElementById('signout').addEventListener('click', () => { setKey(''); input.value = ''; render(); });

// Links inside the console navigate without a reload.
document.addEventListener('click', (e) => {
  const a = e.target.closest('a');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || a.target || a.hasAttribute('download')) return;
  const u = new URL(a.href, location.href);
  if (u.origin !== location.origin || !u.pathname.startsWith('/console/') || u.pathname.startsWith('/console/assets/')) return;
  e.preventDefault();
  navigate(u.pathname + u.search);
});
window.addEventListener('popstate', render);

if (!apiKey() && window.returnsgwDemoKey) {
  // Sandbox on this machine: the demo key is filled in; the seller still signs in with it.
  input.value = window.returnsgwDemoKey;
}
render();
