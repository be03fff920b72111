import { describe, expect, it } from 'vitest';
import { ApiRegistry, splitCommandLine, splitConsoleCommands } from '../../../src/api/index.js';
import { InvalidStateError } from '../../../src/common/index.js';

function registry(): ApiRegistry {
  const r = new ApiRegistry();
  r.register('echo', { description: 'echo', usage: '<text>', handler: (args) => `${args}\n` });
  r.register('later', { handler: async (args) => `later ${args}\n` });
  r.register('boom', {
    handler: () => {
      throw new Error('it broke\non two lines');
    },
  });
  return r;
}

describe('ApiRegistry', () => {
  it('answers an unknown command as FreeSWITCH does', async () => {
    expect(await registry().execute('show_me_the_money now')).toBe('-ERR show_me_the_money Command not found!\n');
  });

  it('passes the arguments after the command word, trimmed', async () => {
    expect(await registry().execute('  echo   hello world  ')).toBe('hello world\n');
  });

  it('awaits asynchronous handlers', async () => {
    expect(await registry().execute('later x')).toBe('later x\n');
  });

  it('turns a throwing handler into one -ERR line', async () => {
    expect(await registry().execute('boom')).toBe('-ERR it broke on two lines\n');
  });

  it('finds commands whatever the case of the name', async () => {
    expect(await registry().execute('ECHO hi')).toBe('hi\n');
  });

  it('returns an empty string for an empty line', async () => {
    expect(await registry().execute('   ')).toBe('');
  });

  it('refuses a second command of the same name unless asked to replace it', async () => {
    const r = registry();
    expect(() => r.register('echo', { handler: () => 'x' })).toThrow(InvalidStateError);
    r.register('echo', { handler: () => 'replaced' }, { replace: true });
    expect(await r.execute('echo')).toBe('replaced');
  });

  it('refuses names with spaces', () => {
    expect(() => new ApiRegistry().register('two words', { handler: () => '' })).toThrow(InvalidStateError);
  });

  it('runs ;;-separated console input in order and joins the outputs', async () => {
    expect(await registry().executeConsole('echo a;;later b;; ;;nope')).toBe('a\nlater b\n-ERR nope Command not found!\n');
  });

  it('hands the registry to handlers so commands can run others', async () => {
    const r = registry();
    r.register('twice', { handler: async (args, ctx) => (await ctx.registry?.execute(`echo ${args}`)) ?? 'none' });
    expect(await r.execute('twice x')).toBe('x\n');
  });

  it('lists commands sorted by name with their usage and description', () => {
    const names = registry().list().map((c) => c.name);
    expect(names).toEqual(['boom', 'echo', 'later']);
    expect(registry().list()[1]).toEqual({ name: 'echo', usage: '<text>', description: 'echo', module: 'mod_commands' });
  });
});

describe('splitting', () => {
  it('splits console input on ;; and drops empty pieces', () => {
    expect(splitConsoleCommands('status;;version')).toEqual(['status', 'version']);
    expect(splitConsoleCommands(' status ;; ;;')).toEqual(['status']);
    expect(splitConsoleCommands('eval a;b')).toEqual(['eval a;b']);
  });

  it('splits a command line into the name and the rest', () => {
    expect(splitCommandLine('sofia status profile internal')).toEqual({ name: 'sofia', args: 'status profile internal' });
    expect(splitCommandLine('status')).toEqual({ name: 'status', args: '' });
  });
});
