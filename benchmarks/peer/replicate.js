// The peer of Leerrecht's first full sync: PouchDB replication over HTTP on loopback.
//
//   node replicate.js --docs 10000 --bytes 740 [--noop-runs 10]
//
// A server process (this file with --serve) mounts express-pouchdb over PouchDB with the in-memory
// adapter (pouchdb-adapter-memory, i.e. memdown) on 127.0.0.1; this process fills a local in-memory
// database with N documents of about B bytes (random base64, like our ciphertexts: incompressible),
// replicates it to the served database (push), then from there into a fresh local database (pull),
// both with batch_size 500, then repeats a replication with nothing new (no-op). Prints one JSON line.
// PouchDB does no encryption or signing: the comparison shows what end-to-end encryption costs.
'use strict';

const { fork } = require('child_process');
const crypto = require('crypto');
const PouchDB = require('pouchdb');
PouchDB.plugin(require('pouchdb-adapter-memory'));

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

function serve() {
  const express = require('express');
  const app = express();
  const MemPouch = PouchDB.defaults({ adapter: 'memory' });
  app.use('/', require('express-pouchdb')(MemPouch, { mode: 'minimumForPouchDB', logPath: '/dev/null' }));
  const server = app.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('message', (m) => { if (m === 'stop') { server.close(); process.exit(0); } });
}

async function ms(fn) {
  const start = process.hrtime.bigint();
  const result = await fn();
  return [Number(process.hrtime.bigint() - start) / 1e6, result];
}

async function main() {
  const docs = parseInt(arg('docs', '10000'), 10);
  const bytes = parseInt(arg('bytes', '740'), 10);
  const noopRuns = parseInt(arg('noop-runs', '10'), 10);
  const server = fork(__filename, ['--serve'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const port = await new Promise((resolve, reject) => {
    server.once('message', (m) => resolve(m.port));
    server.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  try {
    const url = `http://127.0.0.1:${port}/bench`;
    const source = new PouchDB(`source-${process.pid}`, { adapter: 'memory' });
    const rawBytes = Math.max(1, Math.floor(bytes * 3 / 4));
    for (let i = 0; i < docs; i += 1000) {
      const chunk = [];
      for (let j = i; j < Math.min(docs, i + 1000); j++) {
        chunk.push({ _id: crypto.randomUUID(), case_id: `case-${Math.floor(j / 30)}`, kind: 'note',
          body: crypto.randomBytes(rawBytes).toString('base64') });
      }
      await source.bulkDocs(chunk);
    }
    const remote = new PouchDB(url);
    const [pushMs, push] = await ms(() => PouchDB.replicate(source, remote, { batch_size: 500 }));
    const target = new PouchDB(`target-${process.pid}`, { adapter: 'memory' });
    const [pullMs, pull] = await ms(() => PouchDB.replicate(remote, target, { batch_size: 500 }));
    const noop = [];
    for (let i = 0; i < noopRuns + 1; i++) {
      const [t, r] = await ms(() => PouchDB.replicate(remote, target, { batch_size: 500 }));
      if (r.docs_written !== 0) throw new Error('no-op replication wrote documents');
      if (i > 0) noop.push(t); // the first one is the warm-up
    }
    const info = await target.info();
    if (push.docs_written !== docs || pull.docs_written !== docs || info.doc_count !== docs) {
      throw new Error(`pushed ${push.docs_written}, pulled ${pull.docs_written}, holds ${info.doc_count} of ${docs}`);
    }
    const versions = {};
    for (const p of ['pouchdb', 'pouchdb-adapter-memory', 'express-pouchdb', 'express']) {
      versions[p] = require(`${p}/package.json`).version;
    }
    console.log(JSON.stringify({ docs, bytes, adapter: 'memory', push_ms: pushMs, pull_ms: pullMs,
      noop_ms: noop, versions }));
  } finally {
    server.send('stop');
  }
}

if (process.argv.includes('--serve')) {
  serve();
} else {
  main().catch((err) => { console.error(err); process.exit(1); });
}
