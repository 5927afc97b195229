'use strict';
// Scenarios where the addon knowingly differs from the built-in module, with the reason. The
// parity runner prints them as `known` with their diff instead of failing; the README lists
// them. Keep this list short and true: remove an entry once the addon matches.
module.exports = {
  'lookup: answering twice':
    'a lookup that calls its callback twice makes Node bind (and fail with EINVAL) once per answer; ' +
    'the core takes the first answer and ignores the second',
  'send: offset and length':
    'Node 26 (26.12.1) sends other bytes than the DataView\'s for send(dataView, offset, length) ' +
    '(its own bug: the bytes differ from run to run); the addon sends the bytes asked for',
  // (Reported by test/async-hooks.test.js, which allows nothing else.)
  'async_hooks: the trigger of ticks made for a socket':
    'the built-in makes a send\'s callback tick, its close and connect ticks with the socket\'s ' +
    'UDPWRAP as their triggerAsyncId (Node\'s internal defaultTriggerAsyncIdScope); the package\'s ' +
    'have the id they are made in as trigger, as any process.nextTick. No public API sets the ' +
    'default trigger without before/after hooks of their own (process.binding(\'async_wrap\'), ' +
    'which could, warns with DEP0111 on Node 20 and is gone from Node 24)',
  // (Reported by test/callback-scope.test.js, which allows nothing else.)
  'message: a callback scope made inside a listener':
    'the package calls \'message\' listeners without a native callback scope of Node\'s and runs ' +
    'the tick queue itself after each (a scope costs about 4% of a round trip); native code a ' +
    'listener calls that makes a callback scope of its own (an addon\'s napi_make_callback) then ' +
    'runs the ticks queued before it at the end of that scope, where Node runs them after the ' +
    'listener. Node\'s own modules do not (the HTTP parser\'s scopes skip the tick queue)',
};
