// `show <what>`: the table formatter every show sub-command shares (spec §6.3).
import { describe, expect, it } from 'vitest';
import { ApiRegistry, ShowTables, formatShowTable, type ShowSource } from '../../../src/api/index.js';

const cols = ['reg_user', 'realm', 'token'];
const rows = [
  ['1000', 'pbx', 'a@b'],
  ['1001', 'pbx', 'c<d'],
];

describe('formatShowTable', () => {
  it('prints header, rows, a blank line and the total', () => {
    expect(formatShowTable(cols, rows, { kind: 'delim', delim: ',' })).toBe('reg_user,realm,token\n1000,pbx,a@b\n1001,pbx,c<d\n\n2 total.\n');
  });

  it('prints only the total, without header, when there are no rows', () => {
    expect(formatShowTable(cols, [], { kind: 'delim', delim: ',' })).toBe('\n0 total.\n');
  });

  it('uses another delimiter with `as delim`', () => {
    expect(formatShowTable(cols, rows.slice(0, 1), { kind: 'delim', delim: '|' })).toBe('reg_user|realm|token\n1000|pbx|a@b\n\n1 total.\n');
  });

  it('prints JSON as FreeSWITCH: row_count and rows, no newline; zero rows as {"row_count": 0} and a newline', () => {
    expect(formatShowTable(cols, rows.slice(0, 1), { kind: 'json' })).toBe('{"row_count":1,"rows":[{"reg_user":"1000","realm":"pbx","token":"a@b"}]}');
    expect(formatShowTable(cols, [], { kind: 'json' })).toBe('{"row_count": 0}\n');
  });

  it('prints XML with escaped values', () => {
    expect(formatShowTable(cols, rows.slice(1), { kind: 'xml' })).toBe(
      '<result row_count="1">\n  <row row_id="1">\n    <reg_user>1001</reg_user>\n    <realm>pbx</realm>\n    <token>c&lt;d</token>\n  </row>\n</result>\n',
    );
  });
});

describe('the show command', () => {
  const source: ShowSource & { rowCalls: number } = {
    columns: cols,
    rowCalls: 0,
    rows() {
      this.rowCalls++;
      return rows;
    },
    count: () => 2,
  };
  const tables = new ShowTables();
  tables.add('registrations', source);
  const api = new ApiRegistry();
  api.register('show', tables.command());

  const table: Array<[string, string]> = [
    ['show registrations', 'reg_user,realm,token\n1000,pbx,a@b\n1001,pbx,c<d\n\n2 total.\n'],
    ['show registrations count', '\n2 total.\n'],
    ['show registrations count as json', '{"row_count":2}'],
    ['show registrations as csv', 'reg_user,realm,token\n1000,pbx,a@b\n1001,pbx,c<d\n\n2 total.\n'],
    ['show REGISTRATIONS as delim ;', 'reg_user;realm;token\n1000;pbx;a@b\n1001;pbx;c<d\n\n2 total.\n'],
    ['show registrations as yaml', '-USAGE: show registrations [count] [as json|xml|csv|delim <d>]\n'],
    ['show nothing', '-USAGE: show registrations [count] [as json|xml|csv|delim <d>]\n'],
    ['show', '-USAGE: show registrations [count] [as json|xml|csv|delim <d>]\n'],
  ];
  for (const [cmd, out] of table) {
    it(`${cmd}`, async () => {
      expect(await api.execute(cmd)).toBe(out);
    });
  }

  it('counts without listing when the source can count', async () => {
    const before = source.rowCalls;
    await api.execute('show registrations count');
    expect(source.rowCalls).toBe(before);
  });

  it('lists sub-commands added later in its usage', () => {
    tables.add('calls', { columns: ['uuid'], rows: () => [] });
    expect(api.list().find((c) => c.name === 'show')!.usage).toBe('calls|registrations [count] [as json|xml|csv|delim <d>]');
  });
});
