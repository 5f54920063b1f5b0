// Starts GraphiQL against this gateway's /graphql, with a first query to run.
(function () {
  var endpoint = new URL('../graphql', window.location.href).toString();
  // Subscriptions go over WebSocket (graphql-transport-ws) to the same path.
  var subscriptions = endpoint.replace(/^http/, 'ws');
  var firstQuery = [
    '# The gateway\'s one list of return cases across platforms.',
    '# Press the run button (or Ctrl-Enter).',
    'query FirstCases {',
    '  returnCases(first: 10) {',
    '    totalCount',
    '    nodes {',
    '      id',
    '      platform',
    '      platformCaseId',
    '      status',
    '      platformStatus { code label }',
    '      reason',
    '      platformReason',
    '      requestedRefund { amount currencyCode }',
    '      deadlines { respondBy }',
    '      allowedActions',
    '    }',
    '  }',
    '}',
    ''
  ].join('\n');
  // The API key goes in the Authorization header over HTTP and in
  // connection_init's payload over WebSocket. It is kept in this browser's
  // session storage; in sandbox mode the demo key is filled in.
  var input = document.getElementById('apikey');
  input.value = sessionStorage.getItem('returnsgw-key') || window.returnsgwDemoKey || '';
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  function render() {
    var key = input.value.trim();
    var auth = key ? { Authorization: 'Bearer ' + key } : {};
    var fetcher = GraphiQL.createFetcher({
      url: endpoint, subscriptionUrl: subscriptions, headers: auth, wsConnectionParams: auth
    });
    root.render(React.createElement(GraphiQL, {
      key: key, fetcher: fetcher, defaultQuery: firstQuery, defaultEditorToolsVisibility: true
    }));
  }
  document.getElementById('keybar').addEventListener('submit', function (e) {
    e.preventDefault();
    sessionStorage.setItem('returnsgw-key', input.value.trim());
    render();
  });
  render();
})();
