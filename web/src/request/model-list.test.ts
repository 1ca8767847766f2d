import { describe, expect, it } from 'vitest';
import type { Model } from '../api/api-types.js';
import { iconOf, matchesQuery, safeLink, splitModels } from './model-list.js';

const gpt: Model = { id: 'gpt-4', title: 'GPT-4', description: 'Strong general model' };
const llama: Model = { id: 'ollama/llama2', title: 'Llama 2', subtitle: 'Runs on-prem' };
const mistral: Model = { id: 'mistral-7b', title: 'Mistral 7B', featured: true };
const claude: Model = { id: 'claude-3', title: 'Claude 3' };

describe('splitModels', () => {
  it('puts featured models first, once, and keeps the rest in server order', () => {
    const sections = splitModels([claude, mistral], [gpt, llama, mistral, claude]);
    expect(sections.featured.map((m) => m.id)).toEqual(['claude-3', 'mistral-7b']);
    expect(sections.others.map((m) => m.id)).toEqual(['gpt-4', 'ollama/llama2']);
  });

  it('treats models flagged featured as featured even when the featured list is empty', () => {
    const sections = splitModels([], [gpt, mistral]);
    expect(sections.featured.map((m) => m.id)).toEqual(['mistral-7b']);
    expect(sections.others.map((m) => m.id)).toEqual(['gpt-4']);
  });
});

describe('matchesQuery', () => {
  it('matches every word in any of id, title, subtitle and description, ignoring case', () => {
    expect(matchesQuery(gpt, '')).toBe(true);
    expect(matchesQuery(gpt, 'gpt')).toBe(true);
    expect(matchesQuery(gpt, 'STRONG model')).toBe(true);
    expect(matchesQuery(llama, 'ollama prem')).toBe(true);
    expect(matchesQuery(llama, 'llama gpt')).toBe(false);
  });
});

describe('iconOf', () => {
  it('recognises image URLs', () => {
    expect(iconOf({ id: 'a', title: 'A', icon: 'https://cdn.example.com/a.png' })).toEqual({
      kind: 'image',
      src: 'https://cdn.example.com/a.png',
    });
    expect(iconOf({ id: 'a', title: 'A', icon: '/icons/a.svg' })).toEqual({
      kind: 'image',
      src: '/icons/a.svg',
    });
  });

  it('shows an emoji as text and refuses script URLs as images', () => {
    expect(iconOf({ id: 'a', title: 'A', icon: '🦙' })).toEqual({ kind: 'text', text: '🦙' });
    expect(iconOf({ id: 'a', title: 'A', icon: 'javascript:alert(1)' }).kind).toBe('text');
    expect(iconOf({ id: 'a', title: 'A', icon: '//evil.example/x.png' }).kind).toBe('text');
  });

  it('falls back to the first letter of the title', () => {
    expect(iconOf({ id: 'gpt-4', title: 'gpt-4' })).toEqual({ kind: 'text', text: 'G' });
    expect(iconOf({ id: 'x', title: '' })).toEqual({ kind: 'text', text: 'X' });
  });
});

describe('iconOf with Iconify ids', () => {
  it("draws prefix:name from the service's /icons/ path, with the title's letter as fallback", () => {
    expect(iconOf({ id: 'gpt-4', title: 'OpenAI GPT-4', icon: 'simple-icons:openai' })).toEqual({
      kind: 'iconify',
      src: 'icons/simple-icons/openai.svg',
      fallback: 'O',
    });
    expect(iconOf({ id: 'x', title: 'robot', icon: ' mdi:robot-happy ' })).toEqual({
      kind: 'iconify',
      src: 'icons/mdi/robot-happy.svg',
      fallback: 'R',
    });
  });

  it('does not take URLs or malformed ids for Iconify ids', () => {
    expect(iconOf({ id: 'a', title: 'A', icon: 'https://x.example/i.svg' }).kind).toBe('image');
    // Shown as the title's letter, not as the first two letters of the id.
    expect(iconOf({ id: 'a', title: 'Apt', icon: 'mdi:../../etc' })).toEqual({ kind: 'text', text: 'A' });
    expect(iconOf({ id: 'a', title: 'Bee', icon: 'MDI:Robot' })).toEqual({ kind: 'text', text: 'B' });
    expect(iconOf({ id: 'a', title: 'cat', icon: 'mdi:' })).toEqual({ kind: 'text', text: 'C' });
  });
});

describe('safeLink', () => {
  it('keeps http(s) links and drops other schemes and garbage', () => {
    expect(safeLink('https://docs.example.com/gpt')).toBe('https://docs.example.com/gpt');
    expect(safeLink('javascript:alert(1)')).toBeNull();
    expect(safeLink('not a url')).toBeNull();
    expect(safeLink(undefined)).toBeNull();
  });
});

describe('iconOf with composed emoji', () => {
  it('keeps a ZWJ emoji whole', () => {
    expect(iconOf({ id: 'a', title: 'A', icon: '👩🏽‍💻' })).toEqual({ kind: 'text', text: '👩🏽‍💻' });
  });
});
