/**
 * The reference servers of the ingestion benchmark, each answering the same POST with 202 and
 * a small JSON body: `node-http` (Node's own limit), `express` (a minimal Express 5 app: the
 * framework's limit) and `express-json-ajv` (Express parsing the JSON body and validating it
 * against the form's schema with ajv). Run as its own process: BASELINE=… PORT=… node --import tsx.
 */
import { createServer } from 'node:http';
import express from 'express';
import { compileDataSchema } from '@leadflow/core';
import { benchFormItem } from './fixture';

const BODY = JSON.stringify({ leadId: '01JDQ3V6Z8R6J5X1M8T0N4K2W9', status: 'accepted' });
const PATH = '/v1/ingest/forms/:formKey';
const port = Number(process.env.PORT);

function start(): { close(cb: () => void): void } {
  switch (process.env.BASELINE) {
    case 'node-http':
      return createServer((_req, res) => {
        res.writeHead(202, { 'content-type': 'application/json; charset=utf-8' }).end(BODY);
      }).listen(port, '127.0.0.1');
    case 'express': {
      const app = express();
      app.post(PATH, (_req, res) => {
        res.status(202).type('json').send(BODY);
      });
      return app.listen(port, '127.0.0.1');
    }
    case 'express-json-ajv': {
      const validate = compileDataSchema(benchFormItem().config.schema);
      const app = express();
      app.post(PATH, express.json({ limit: '32kb' }), (req, res) => {
        if (!validate(req.body)) res.status(400).json({ errors: validate.errors });
        else res.status(202).type('json').send(BODY);
      });
      return app.listen(port, '127.0.0.1');
    }
    default:
      throw new Error(`unknown BASELINE ${process.env.BASELINE}`);
  }
}

const server = start();
process.on('SIGTERM', () => server.close(() => process.exit(0)));
