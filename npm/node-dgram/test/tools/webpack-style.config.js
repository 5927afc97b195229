// The configuration of the webpack and rspack bundler tests (rspack reads webpack's): node-loader
// emits the addon beside the bundle and loads it from there, the usual native-addon handling.
const path = require('path');
module.exports = {
  mode: 'production',
  target: 'node',
  entry: './bundle-app.js',
  output: { path: path.join(__dirname, 'out'), filename: 'bundle-app.js' },
  module: { rules: [{ test: /\.node$/, loader: 'node-loader', options: { name: '[name].[ext]' } }] },
  resolveLoader: { modules: [path.join(__dirname, '..', 'node_modules')] },
  node: { __dirname: false },
  // (The other platforms' prebuilt packages are not installed: left to run time, as usual.)
  externals: [/^node-dgram-linux-/],
};
