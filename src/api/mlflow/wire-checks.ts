import type { FastifyRequest } from 'fastify';
import { invalidParameter } from '../../core/errors.js';
import type { App } from '../server.js';

/**
 * MLflow's checks of a request body's fields, with its messages, before the schema validator
 * sees the body. The validator coerces (protobuf JSON sends int64 as strings, so it must), and
 * would otherwise turn a run_id sent as the number 31 into the id "31" and answer 404 where
 * MLflow answers 400 "Invalid value 31 for parameter 'run_id' supplied".
 */
export function registerMlflowWireChecks(app: App): void {
  app.addHook('onRoute', (route) => {
    if (!/^\/api\/[23]\.0\/mlflow\//.test(route.url) || !isObjectSchema(route.schema?.body)) return;
    const schema = route.schema.body;
    const own = route.preValidation ?? [];
    const check = async (request: FastifyRequest) => checkFields(request.body, schema);
    route.preValidation = [...(Array.isArray(own) ? own : [own]), check];
  });
}

interface ObjectSchema {
  type: 'object';
  properties: Record<string, FieldSchema>;
  required?: string[];
}
interface FieldSchema {
  type?: string;
  items?: FieldSchema & Partial<ObjectSchema>;
}

function isObjectSchema(schema: unknown): schema is ObjectSchema {
  const s = schema as Partial<ObjectSchema> | undefined;
  return s?.type === 'object' && typeof s.properties === 'object';
}

/** Fields in declaration order, as MLflow reports the first wrong one. */
function checkFields(body: unknown, schema: ObjectSchema): void {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
  const values = body as Record<string, unknown>;
  const required = new Set(schema.required ?? []);
  for (const [name, field] of Object.entries(schema.properties)) {
    const value = values[name];
    if (value === undefined || value === null) {
      if (required.has(name)) throw missing(name);
      continue;
    }
    if (!fits(value, field)) throw invalid(name, value);
  }
}

function fits(value: unknown, field: FieldSchema): boolean {
  switch (field.type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      // protobuf JSON writes int64 as a string of digits
      return Number.isInteger(value) || (typeof value === 'string' && /^-?\d+$/.test(value));
    case 'boolean':
      return typeof value === 'boolean' || value === 'true' || value === 'false';
    case 'array':
      return Array.isArray(value) && value.every((item) => itemFits(item, field.items));
    default:
      return true;
  }
}

/** An array's object items must at least carry their required fields. */
function itemFits(item: unknown, schema: FieldSchema | undefined): boolean {
  if (!schema || !isObjectSchema(schema)) return schema?.type === undefined || fits(item, schema);
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return false;
  const values = item as Record<string, unknown>;
  return (schema.required ?? []).every((name) => values[name] !== undefined && values[name] !== null);
}

function missing(name: string) {
  return invalidParameter(name, `Missing value for required parameter '${name}'.`);
}

function invalid(name: string, value: unknown) {
  return invalidParameter(
    name,
    `Invalid value ${JSON.stringify(value)} for parameter '${name}' supplied. See the API docs for the expected type.`,
  );
}
