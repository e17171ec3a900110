// Reads the exposition written by exposition_main (a file named on the command line) with
// parse-prometheus-text-format, a parser that is not ours, and checks what it understood;
// then checks each line against the text format 0.0.4 itself. Exits non-zero on the first
// difference.
'use strict';
const fs = require('fs');
const assert = require('assert/strict');
const parse = require('parse-prometheus-text-format');

const text = fs.readFileSync(process.argv[2], 'utf8');
const families = parse(text);
const byName = Object.fromEntries(families.map((f) => [f.name, f]));
const find = (name) => {
  assert.ok(byName[name], `no family ${name} in:\n${text}`);
  return byName[name];
};
const sample = (family, labels) => {
  const hit = family.metrics.find((m) =>
    Object.entries(labels).every(([k, v]) => (m.labels || {})[k] === v));
  assert.ok(hit, `${family.name}: no series ${JSON.stringify(labels)}`);
  return hit;
};

// parse-prometheus-text-format 1.1.1 reads the series of a labelled histogram as one,
// without their labels, _sum or _count (its flattenMetrics): each series is given to it
// alone, with its labels but `le` left out. `labels` are written as the exposition writes
// them, e.g. 'operation="balance"'.
const histogramSeries = (name, labels) => {
  const ofSeries = (line) => {
    const m = line.match(/^(\S+?)(?:\{(.*)\})? \S+$/);
    return m && [`${name}_bucket`, `${name}_sum`, `${name}_count`].includes(m[1]) &&
      (m[2] || '').replace(/,?le="[^"]*"/, '') === labels;
  };
  const lines = text.split('\n').filter(ofSeries).map((line) =>
    line.replace(/\{(.*)\}/, (all, inside) => {
      const le = inside.match(/le="[^"]*"/);
      return le ? `{${le[0]}}` : '';
    }));
  assert.ok(lines.length > 0, `${name}: no series {${labels}}`);
  const parsed = parse(`# TYPE ${name} histogram\n${lines.join('\n')}\n`);
  return parsed[0].metrics[0];
};

// Escapes read back as the very text the program registered.
const escapes = find('escapes_total');
assert.equal(escapes.type, 'COUNTER');
assert.equal(escapes.help, 'Help with a \\ backslash,\na newline and "quotes"');
assert.equal(sample(escapes, { path: 'C:\\payouts\nnext', quote: 'say "hi"' }).value, '3');

const gauge = find('payouts_in_flight');
assert.equal(gauge.type, 'GAUGE');
assert.equal(gauge.metrics[0].value, '-2.5');

const sizes = find('batch_size');
assert.equal(sizes.type, 'HISTOGRAM');
const main = histogramSeries('batch_size', 'queue="main"');
assert.deepEqual(main.buckets, { 1: '1', 10: '2', 50: '3', '+Inf': '4' });
assert.equal(main.count, '4');
assert.equal(main.sum, '253');

// What request_metrics() counted: a 503 retried, then an answer, then a refusal (708).
const requests = find('cinetpay_requests_total');
assert.equal(requests.type, 'COUNTER');
assert.equal(sample(requests, { operation: 'balance', outcome: 'server_error' }).value, '1');
assert.equal(sample(requests, { operation: 'balance', outcome: 'ok' }).value, '1');
assert.equal(sample(requests, { operation: 'balance', outcome: 'refused' }).value, '1');
assert.equal(sample(requests, { operation: 'login', outcome: 'ok' }).value, '1');
assert.equal(sample(find('cinetpay_refusals_total'), { operation: 'balance', code: '708' }).value, '1');
assert.equal(sample(find('cinetpay_faults_total'), { operation: 'balance', kind: 'server_error' }).value, '1');
assert.equal(find('cinetpay_request_duration_seconds').type, 'HISTOGRAM');
const latency = histogramSeries('cinetpay_request_duration_seconds', 'operation="balance"');
assert.equal(latency.count, '3');
assert.equal(latency.sum, '0.3');
assert.equal(latency.buckets['0.25'], '2');
assert.equal(latency.buckets['0.5'], '3');
assert.equal(latency.buckets['+Inf'], '3');

// The merged exposition (expose_with): the workers' series under a `worker` label, each
// family under this registry's HELP and TYPE; a family of another type, and a snapshot that
// is not JSON, left out.
const hasWorker = (family) => family.metrics.some((m) => (m.labels || {}).worker !== undefined);
if (process.argv[3] === 'merged') {
  const first = 'w"1\\\n';
  assert.equal(requests.help, "HTTP attempts to CinetPay's API, by operation and outcome");
  assert.equal(sample(requests, { operation: 'send', outcome: 'ok', worker: first }).value, '2');
  assert.equal(sample(requests, { operation: 'send', outcome: 'ok', worker: 'w-2' }).value, '5');
  const queue = find('worker_queue');
  assert.equal(queue.type, 'GAUGE');
  assert.equal(sample(queue, { worker: first }).value, '7');
  assert.ok(!hasWorker(escapes), 'a gauge of a worker joined the counter escapes_total');
  const theirs = histogramSeries('batch_size', 'queue="main",worker="w\\"1\\\\\\n"');
  assert.deepEqual(theirs.buckets, { 1: '0', 10: '1', 50: '1', '+Inf': '1' });
  assert.equal(theirs.count, '1');
  assert.equal(theirs.sum, '5');
} else {
  assert.ok(!families.some(hasWorker), 'a worker label in the plain exposition');
}

// The format itself, line by line: HELP then TYPE once per family, before its samples;
// names and label names as the format allows; each histogram's buckets cumulative, ending
// with +Inf equal to its _count.
const name = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const labelValue = '"(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
const labels = `\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=${labelValue}(?:,[a-zA-Z_][a-zA-Z0-9_]*=${labelValue})*)?\\}`;
const sampleLine = new RegExp(`^(${name})(${labels})? (\\S+)$`);
const number = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]Inf|NaN)$/;
let current = null;
const seen = new Set();
let lastBucket = null;
assert.ok(text.endsWith('\n'), 'the exposition ends with a newline');
for (const line of text.slice(0, -1).split('\n')) {
  let m;
  if ((m = line.match(new RegExp(`^# HELP (${name}) (.*)$`)))) {
    assert.ok(!seen.has(m[1]), `${m[1]} described twice`);
    seen.add(m[1]);
    current = { name: m[1], type: null };
  } else if ((m = line.match(new RegExp(`^# TYPE (${name}) (counter|gauge|histogram)$`)))) {
    assert.ok(current && current.name === m[1] && !current.type, `TYPE out of place: ${line}`);
    current.type = m[2];
  } else if ((m = line.match(sampleLine))) {
    assert.ok(current && current.type, `sample before its TYPE: ${line}`);
    assert.match(m[3], number, line);
    const suffixes = current.type === 'histogram' ? ['_bucket', '_sum', '_count'] : [''];
    assert.ok(suffixes.some((s) => m[1] === current.name + s), `${line} outside ${current.name}`);
    if (m[1].endsWith('_bucket')) {
      const le = (m[2].match(/le="([^"]*)"/) || [])[1];
      assert.ok(le !== undefined, `bucket without le: ${line}`);
      const value = Number(m[3]);
      const series = m[2].replace(/,?le="[^"]*"/, '');
      if (lastBucket && lastBucket.series === series) {
        assert.ok(value >= lastBucket.value, `buckets not cumulative: ${line}`);
      }
      lastBucket = { series, value, le };
    } else if (m[1].endsWith('_count') && current.type === 'histogram') {
      assert.equal(lastBucket.le, '+Inf', `last bucket before ${line} is not +Inf`);
      assert.equal(Number(m[3]), lastBucket.value, `+Inf bucket differs from ${line}`);
    }
  } else {
    assert.fail(`not a line of the text format 0.0.4: ${JSON.stringify(line)}`);
  }
}
console.log(`${families.length} families read back as written`);
