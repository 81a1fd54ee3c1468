/**
 * The OpenAPI document and the router agree: every registered route is documented and every documented
 * operation is registered; the document has OpenAPI 3.1's required fields and its references resolve.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { brokerSchema } from '../../config/broker.ts';
import { silentLogger } from '../../core/log.ts';
import { createMemoryAuditLog } from '../audit/log-memory.ts';
import { createMemoryLinkStore } from '../links/store-memory.ts';
import type { AdminDeps } from './deps.ts';
import { createAdminRouter } from './routes.ts';

interface Operation {
  operationId?: string;
  responses?: Record<string, unknown>;
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string; required?: boolean }>;
}
interface Doc {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { type: string; scheme: string }> };
}

const text = readFileSync(new URL('./openapi.json', import.meta.url), 'utf8');
const doc = JSON.parse(text) as Doc;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

function registeredRoutes(): string[] {
  const audit = createMemoryAuditLog();
  // Registering routes touches no dependency but the audit log; the router is only read here.
  const deps = { audit, links: createMemoryLinkStore({ audit }), clients: [], config: brokerSchema.parse({}), adapters: new Map(), journalNames: new Map(), log: silentLogger, clock: () => new Date() } as unknown as AdminDeps;
  return createAdminRouter(deps)
    .stack.flatMap((layer) => layer.methods.filter((m) => m !== 'HEAD').map((m) => `${m} ${String(layer.path).replace(/:(\w+)/g, '{$1}')}`))
    .sort();
}

const documentedRoutes = () =>
  Object.entries(doc.paths)
    .flatMap(([path, item]) => Object.keys(item).filter((k) => METHODS.includes(k)).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();

describe('the admin OpenAPI document', () => {
  it('documents exactly the registered routes', () => {
    const registered = registeredRoutes();
    expect(registered.length).toBeGreaterThan(5);
    expect(documentedRoutes()).toEqual(registered);
  });

  it('has the required OpenAPI 3.1 fields, unique operation ids, path parameters and bearer security', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info.title).toBeTruthy();
    expect(doc.info.version).toBeTruthy();
    expect(doc.components.securitySchemes.adminToken).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    const ids = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths)) {
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const method of Object.keys(item).filter((k) => METHODS.includes(k))) {
        const op = item[method]!;
        expect(op.operationId, `${method} ${path}`).toBeTruthy();
        expect(ids.has(op.operationId!)).toBe(false);
        ids.add(op.operationId!);
        expect(Object.keys(op.responses ?? {}).length).toBeGreaterThan(0);
        const inPath = (op.parameters ?? []).filter((p) => p.in === 'path');
        expect(inPath.map((p) => p.name).sort()).toEqual([...templated].sort());
        expect(inPath.every((p) => p.required)).toBe(true);
        if (path === '/api/admin/openapi.json') expect(op.security).toBeUndefined();
        else {
          expect(op.security).toEqual([{ adminToken: [expect.stringMatching(/^(read|write)$/)] }]);
          expect(Object.keys(op.responses!)).toEqual(expect.arrayContaining(['401', '403']));
        }
      }
    }
  });

  it('has only references that resolve', () => {
    const refs = [...text.matchAll(/"\$ref": "#\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      const target = ref.split('/').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
      expect(target, ref).toBeDefined();
    }
  });
});
