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
  var fetcher = GraphiQL.createFetcher({ url: endpoint, subscriptionUrl: subscriptions });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultQuery: firstQuery,
    defaultEditorToolsVisibility: true
  }));
})();
