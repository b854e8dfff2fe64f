import { Type } from '@sinclair/typebox';

// The conversions live in core/ so the CLI and SDK can use them without loading TypeBox.
export { fromWireNumber, toWireNumber, type WireNumberValue } from '../core/wire-number.js';

/** JSON has no NaN or Infinity; metric values carry them as these strings, as protobuf JSON does. */
export const WireNumber = Type.Union([
  Type.Number(),
  Type.Literal('NaN'),
  Type.Literal('Infinity'),
  Type.Literal('-Infinity'),
]);
