import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { iconSubset } from './iconify-json.js';

const SET = {
  prefix: 'demo',
  info: { name: 'Demo', author: { name: 'A "quoted" author, with {braces} and [brackets]' } },
  lastModified: 1700000000,
  icons: {
    robot: { body: '<path d="M0 0h24v24H0z"/>' },
    'café-au-lait': { body: '<circle r="2"/>', width: 16 },
    escaped: { body: '<path d="M1 1"/>\\"\\\\"' },
    other: { body: '<rect/>' },
  },
  aliases: {
    bot: { parent: 'robot' },
    'bot-flipped': { parent: 'bot', hFlip: true },
    loop: { parent: 'loop' },
  },
  width: 24,
  height: 24,
};

function subset(names: string[], set: object = SET) {
  return iconSubset(Buffer.from(JSON.stringify(set, null, 2)), names);
}

describe('iconSubset', () => {
  it('keeps only the named icons, with the set’s dimensions', () => {
    expect(subset(['robot', 'café-au-lait'])).toEqual({
      prefix: 'demo',
      icons: { robot: SET.icons.robot, 'café-au-lait': SET.icons['café-au-lait'] },
      aliases: {},
      width: 24,
      height: 24,
    });
  });

  it('follows a chain of aliases to the icon it draws', () => {
    const picked = subset(['bot-flipped']);
    expect(picked.aliases).toEqual({ 'bot-flipped': SET.aliases['bot-flipped'], bot: SET.aliases.bot });
    expect(Object.keys(picked.icons)).toEqual(['robot']);
  });

  it('leaves out names the set lacks, and stops at an alias loop', () => {
    const picked = subset(['missing', 'loop']);
    expect(picked.icons).toEqual({});
    expect(picked.aliases).toEqual({ loop: { parent: 'loop' } });
  });

  it('reads values with escaped quotes and backslashes exactly', () => {
    expect(subset(['escaped']).icons.escaped).toEqual(SET.icons.escaped);
  });

  it('reads compact JSON as well as indented', () => {
    expect(iconSubset(Buffer.from(JSON.stringify(SET)), ['other']).icons).toEqual({
      other: { body: '<rect/>' },
    });
  });

  it('refuses text that is not an icon set', () => {
    expect(() => iconSubset(Buffer.from('[1, 2]'), ['x'])).toThrow(SyntaxError);
    expect(() => iconSubset(Buffer.from('{"icons": {"a": {"body": "<p'), ['a'])).toThrow(SyntaxError);
  });

  it('picks from an installed set what a full parse finds', () => {
    const path = createRequire(import.meta.url).resolve('@iconify-json/mdi/icons.json');
    const text = readFileSync(path);
    const full = JSON.parse(text.toString('utf8')) as { icons: Record<string, unknown>; width: number };
    const picked = iconSubset(text, ['robot', 'weather-windy']);
    expect(picked.prefix).toBe('mdi');
    expect(picked.width).toBe(full.width);
    expect(picked.icons).toEqual({ robot: full.icons.robot, 'weather-windy': full.icons['weather-windy'] });
  });
});
