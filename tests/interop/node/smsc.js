#!/usr/bin/env node
// A small SMSC built on node-smpp (https://github.com/farhadi/node-smpp, MIT), an SMPP 3.4
// implementation not written in this project, for tests/interop/test_node_smsc.py.
//
//   node smsc.js --journal=PATH [--system-id=ID] [--password=PW] [--mo-from=NUMBER]
//                [--mo-to=ADDR] [--mo-text=TEXT] [--receipt-delay-ms=N] [--id-base=N]
//
// Every option may also come from the environment (SMSC_SYSTEM_ID, SMSC_PASSWORD, SMSC_JOURNAL,
// SMSC_MO_FROM, SMSC_MO_TO, SMSC_MO_TEXT, SMSC_RECEIPT_DELAY_MS, SMSC_ID_BASE); argv wins.
// An empty --mo-from sends no MO.
//
// Listens on 127.0.0.1, port 0, and prints one line `{"port": N}` on stdout once listening.
// Behaviour:
//   bind_transceiver  checks system_id / password (ESME_RINVSYSID / ESME_RINVPASWD otherwise);
//                     other binds (transmitter / receiver) are refused with ESME_RINVBNDSTS;
//                     after the first successful bind: one enquire_link to the ESME and one MO
//                     deliver_sm (esm_class 0, data_coding 8, UCS-2 text) from --mo-from
//   submit_sm         submit_sm_resp with a decimal id from a counter (fixed width, so no id is a
//                     prefix of another), then, after --receipt-delay-ms, a receipt deliver_sm
//                     (esm_class 0x04, receipted_message_id + message_state TLVs, standard text)
//                     whose source is the submit's destination
//   enquire_link      enquire_link_resp;  unbind: unbind_resp, then the socket is ended
// Journal: one JSON object a line (appended synchronously, so it is complete once a response is
// on the wire), with an "event" field: listening, bind, submit, receipt, mo, enquire_link_resp,
// deliver_sm_resp, unbind, close, error, unexpected.
'use strict';

const fs = require('fs');
const smpp = require('smpp');

function options() {
  const env = {
    'system-id': process.env.SMSC_SYSTEM_ID,
    password: process.env.SMSC_PASSWORD,
    journal: process.env.SMSC_JOURNAL,
    'mo-from': process.env.SMSC_MO_FROM,
    'mo-to': process.env.SMSC_MO_TO,
    'mo-text': process.env.SMSC_MO_TEXT,
    'receipt-delay-ms': process.env.SMSC_RECEIPT_DELAY_MS,
    'id-base': process.env.SMSC_ID_BASE,
  };
  const opts = {
    'system-id': 'dunning',
    password: 'secret',
    journal: null,
    'mo-from': '8613900000009',
    'mo-to': '95000',
    'mo-text': '退订',
    'receipt-delay-ms': '50',
    'id-base': '7000000000',
  };
  for (const [key, value] of Object.entries(env)) if (value !== undefined) opts[key] = value;
  for (const arg of process.argv.slice(2)) {
    const m = /^--([a-z-]+)=(.*)$/s.exec(arg);
    if (!m || !(m[1] in opts)) {
      process.stderr.write(`smsc.js: unknown argument ${JSON.stringify(arg)}\n`);
      process.exit(2);
    }
    opts[m[1]] = m[2];
  }
  if (!opts.journal) {
    process.stderr.write('smsc.js: --journal=PATH (or SMSC_JOURNAL) is required\n');
    process.exit(2);
  }
  return opts;
}

const opts = options();
const receiptDelay = Number(opts['receipt-delay-ms']);
let nextId = BigInt(opts['id-base']);
const idWidth = String(nextId).length;
let moSent = false;
let sessionCount = 0;

function journal(event, fields) {
  fs.appendFileSync(opts.journal, JSON.stringify({ event, at: Date.now(), ...fields }) + '\n');
}

function newId() {
  nextId += 1n;
  return String(nextId).padStart(idWidth, '0');
}

function pad2(n) {
  return String(n).padStart(2, '0');
}

function smppDate(d) {
  // YYMMDDhhmm, UTC
  return (
    pad2(d.getUTCFullYear() % 100) +
    pad2(d.getUTCMonth() + 1) +
    pad2(d.getUTCDate()) +
    pad2(d.getUTCHours()) +
    pad2(d.getUTCMinutes())
  );
}

// Keep the raw short_message octets next to node-smpp's own decoding of them.
function keepRaw(command) {
  const param = smpp.commands[command].params.short_message;
  const filter = param.filter;
  param.filter = {
    encode: filter.encode,
    decode(value, skipUdh) {
      const decoded = filter.decode.call(this, value, skipUdh);
      if (decoded && typeof decoded === 'object' && !Buffer.isBuffer(decoded)) decoded.raw = value;
      return decoded;
    },
  };
}
keepRaw('submit_sm');

function onSession(session) {
  const sid = ++sessionCount;
  let bound = false;
  let pending = 0; // receipts scheduled but not yet sent
  const kinds = new Map(); // our deliver_sm sequence → "receipt" | "mo"

  const send = (pdu) => session.send(pdu);

  session.on('error', (err) => journal('error', { session: sid, message: String(err && err.message) }));
  session.on('close', () => journal('close', { session: sid, bound, pending }));

  session.on('bind_transceiver', (pdu) => {
    let status = 0;
    if (pdu.system_id !== opts['system-id']) status = smpp.ESME_RINVSYSID;
    else if (pdu.password !== opts.password) status = smpp.ESME_RINVPASWD;
    journal('bind', {
      session: sid,
      system_id: pdu.system_id,
      interface_version: pdu.interface_version,
      status,
    });
    if (status) {
      send(pdu.response({ command_status: status }));
      return;
    }
    bound = true;
    send(pdu.response({ system_id: 'node-smsc' }));
    session.enquire_link((resp) => journal('enquire_link_resp', { session: sid, status: resp.command_status }));
    if (!moSent && opts['mo-from']) {
      moSent = true;
      const text = Buffer.from(opts['mo-text'], 'utf16le').swap16(); // UCS-2 big-endian
      const mo = new smpp.PDU('deliver_sm', {
        source_addr_ton: 1,
        source_addr_npi: 1,
        source_addr: opts['mo-from'],
        dest_addr_ton: 0,
        dest_addr_npi: 1,
        destination_addr: opts['mo-to'],
        esm_class: 0,
        data_coding: 8,
        short_message: text,
      });
      session.send(mo);
      kinds.set(mo.sequence_number, 'mo');
      journal('mo', { session: sid, seq: mo.sequence_number, from: opts['mo-from'], hex: text.toString('hex') });
    }
  });

  for (const kind of ['bind_transmitter', 'bind_receiver']) {
    session.on(kind, (pdu) => {
      journal('bind', { session: sid, kind, system_id: pdu.system_id, status: smpp.ESME_RINVBNDSTS });
      send(pdu.response({ command_status: smpp.ESME_RINVBNDSTS }));
    });
  }

  session.on('enquire_link', (pdu) => send(pdu.response()));

  session.on('unbind', (pdu) => {
    journal('unbind', { session: sid, pending });
    bound = false;
    session.send(pdu.response(), () => session.close());
  });

  session.on('deliver_sm_resp', (pdu) => {
    journal('deliver_sm_resp', {
      session: sid,
      seq: pdu.sequence_number,
      status: pdu.command_status,
      kind: kinds.get(pdu.sequence_number) || null,
    });
  });

  session.on('submit_sm', (pdu) => {
    if (!bound) {
      send(pdu.response({ command_status: smpp.ESME_RINVBNDSTS }));
      return;
    }
    const id = newId();
    const sm = pdu.short_message || {};
    const raw = sm.raw || Buffer.alloc(0);
    journal('submit', {
      session: sid,
      id,
      seq: pdu.sequence_number,
      source: pdu.source_addr,
      source_ton: pdu.source_addr_ton,
      destination: pdu.destination_addr,
      dest_ton: pdu.dest_addr_ton,
      dest_npi: pdu.dest_addr_npi,
      esm_class: pdu.esm_class,
      data_coding: pdu.data_coding,
      registered_delivery: pdu.registered_delivery,
      short_message: raw.toString('hex'),
      udh: (sm.udh || []).map((b) => b.toString('hex')),
      text: typeof sm.message === 'string' ? sm.message : null, // node-smpp's own decoding
    });
    send(pdu.response({ message_id: id }));
    if (!(pdu.registered_delivery & 0x03)) return;
    pending += 1;
    const submitted = new Date();
    setTimeout(() => {
      pending -= 1;
      if (!session.socket.writable) return;
      const done = new Date();
      const excerpt = (typeof sm.message === 'string' ? sm.message : '')
        .replace(/[^\x20-\x7e]/g, '?')
        .slice(0, 20);
      const text =
        `id:${id} sub:001 dlvrd:001 submit date:${smppDate(submitted)} ` +
        `done date:${smppDate(done)} stat:DELIVRD err:000 text:${excerpt}`;
      const receipt = new smpp.PDU('deliver_sm', {
        source_addr_ton: pdu.dest_addr_ton,
        source_addr_npi: pdu.dest_addr_npi,
        source_addr: pdu.destination_addr,
        dest_addr_ton: pdu.source_addr_ton,
        dest_addr_npi: pdu.source_addr_npi,
        destination_addr: pdu.source_addr,
        esm_class: smpp.ESM_CLASS.MC_DELIVERY_RECEIPT,
        data_coding: 0,
        short_message: Buffer.from(text, 'ascii'),
        receipted_message_id: id,
        message_state: smpp.MESSAGE_STATE.DELIVERED,
      });
      session.send(receipt);
      kinds.set(receipt.sequence_number, 'receipt');
      journal('receipt', { session: sid, seq: receipt.sequence_number, id, source: pdu.destination_addr });
    }, receiptDelay);
  });

  session.on('unknown', (pdu) => {
    journal('unexpected', { session: sid, command_id: pdu.command_id });
    send(pdu.response());
  });
}

const server = smpp.createServer(onSession);
server.on('error', (err) => {
  process.stderr.write(`smsc.js: ${err.stack || err}\n`);
  process.exit(1);
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  journal('listening', { port });
  process.stdout.write(JSON.stringify({ port }) + '\n');
});

for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
