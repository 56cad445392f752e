import { COMPILER, GC, OPENSSL, perfBreakdown } from '../../bench/perf-owners';

/** The bench's `--perf` rows (bench/README.md, "Where the workers' CPU goes"), from `perf script` text. */
describe('bench: where the workers’ CPU went, from perf script', () => {
  // `perf script -F tid,ip,sym,dso`: a thread id line, then frames innermost first.
  const sample = (...frames: [string, string][]) =>
    ` 4242 \n${frames.map(([sym, dso]) => `\t    7f00ab12 ${sym} (${dso})`).join('\n')}\n\n`;
  const node = '/usr/bin/node';
  const map = '/tmp/perf-4242.map';

  it('gives a sample to OpenSSL, the compiler, the GC, then the innermost package on its stack', () => {
    const script = [
      sample(
        ['ossl_rsaz_amm52x20_x2_256', node],
        ['RSA_sign', node],
        ['JS:^signTokenRequest /app/dist/libs/snap/src/signing.js:45:26', map],
      ),
      sample(
        ['v8::internal::compiler::GraphReducer::ReduceTop', node],
        ['v8::internal::OptimizingCompileDispatcher::CompileTask::RunInternal', node],
      ),
      sample(
        ['v8::internal::Scavenger::ScavengePage', node],
        ['start_thread', '/usr/lib/libc.so.6'],
      ),
      // A socket write from undici, reached through node's stream code, called from ours:
      // undici's, the innermost package.
      sample(
        ['tcp_sendmsg', '[kernel.kallsyms]'],
        ['JS:*writeGeneric node:internal/stream_base_commons:148:22', map],
        ['JS:*writeH1 /app/node_modules/undici/lib/dispatcher/client-h1.js:1144:18', map],
        ['JS:*send /app/dist/libs/snap/src/http.js:114:15', map],
      ),
      sample(['JS:*parse /app/node_modules/pg-protocol/dist/parser.js:26:10', map]),
      sample(['JS:*processTicksAndRejections node:internal/process/task_queues:67:35', map]),
      sample(['ep_poll', '[kernel.kallsyms]'], ['uv__io_poll', node]),
      sample(['uv__io_poll', node]),
    ].join('');
    const b = perfBreakdown(script);
    expect(b.samples).toBe(8);
    expect(b.shares).toEqual({
      [OPENSSL]: 1 / 8,
      [COMPILER]: 1 / 8,
      [GC]: 1 / 8,
      undici: 1 / 8,
      // pg-protocol is shown as part of pg.
      pg: 1 / 8,
      'node (its own JavaScript)': 1 / 8,
      'kernel, no JavaScript on the stack': 1 / 8,
      'node, V8, libuv and libc, no JavaScript on the stack': 1 / 8,
    });
  });

  it('reads nothing from an empty recording', () => {
    expect(perfBreakdown('')).toEqual({ samples: 0, shares: {} });
  });
});
