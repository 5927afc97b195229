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
};
