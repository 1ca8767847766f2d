import { describe, expect, it } from 'vitest';
import { type ConfiguredIcon, configuredIcons, loadModelIcons, parseIconifyId } from './model-icons.js';

function recordingLogger() {
  const warnings: { obj: object; msg: string }[] = [];
  return { warnings, logger: { warn: (obj: object, msg: string) => warnings.push({ obj, msg }) } };
}

function load(icons: ConfiguredIcon[], readIconSet?: (prefix: string) => Buffer | null) {
  const { warnings, logger } = recordingLogger();
  const loaded = loadModelIcons({ icons, logger, ...(readIconSet ? { readIconSet } : {}) });
  return { icons: loaded, warnings };
}

describe('parseIconifyId', () => {
  it('reads prefix:name in lower-case words', () => {
    expect(parseIconifyId('simple-icons:openai')).toEqual({ prefix: 'simple-icons', name: 'openai' });
    expect(parseIconifyId(' mdi:weather-windy ')).toEqual({ prefix: 'mdi', name: 'weather-windy' });
  });

  it.each(['🧠', 'https://example.com/a.svg', 'mdi:Robot', 'mdi:', ':robot', 'mdi:../x', 'a:b:c'])(
    'refuses %j',
    (icon) => {
      expect(parseIconifyId(icon)).toBeNull();
    },
  );
});

describe('configuredIcons', () => {
  const model = (id: string, icon?: string) => ({ id, title: id, ...(icon === undefined ? {} : { icon }) });

  it('collects the icons of models and featured models with their config keys', () => {
    const icons = configuredIcons({
      models: [model('a', 'mdi:robot'), model('b'), model('c', '  ')],
      featuredModels: [model('d', 'simple-icons:openai')],
      litellm: { baseUrl: '', apiKey: '', gatewayUrl: '', enableModels: false, keyDefaults: {} },
    });
    expect(icons).toEqual([
      { key: 'models[0].icon', icon: 'mdi:robot' },
      { key: 'featured_models[0].icon', icon: 'simple-icons:openai' },
    ]);
  });

  it('adds the proxy models’ icon when the proxy’s models are offered', () => {
    const icons = configuredIcons({
      models: [],
      featuredModels: [],
      litellm: { baseUrl: '', apiKey: '', gatewayUrl: '', enableModels: true, keyDefaults: {} },
    });
    expect(icons).toEqual([{ key: 'litellm.enable_litellm_models', icon: 'mdi:robot' }]);
  });
});

describe('loadModelIcons', () => {
  it('builds the SVG of each configured Iconify icon from the installed sets', () => {
    const { icons, warnings } = load([
      { key: 'models[0].icon', icon: 'simple-icons:openai' },
      { key: 'models[1].icon', icon: 'mdi:robot' },
      { key: 'models[2].icon', icon: '🧠' },
      { key: 'models[3].icon', icon: 'https://example.com/logo.png' },
    ]);
    expect(warnings).toEqual([]);
    const openai = icons.svg('simple-icons', 'openai');
    expect(openai).toMatch(
      /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="24" height="24" viewBox="0 0 24 24"><path fill="currentColor" d="M22\.282 9\.821/,
    );
    expect(openai).toMatch(/<\/svg>$/);
    expect(icons.svg('mdi', 'robot')).toContain('viewBox="0 0 24 24"');
    // Only what the config names: another icon of a loaded set is not served.
    expect(icons.svg('mdi', 'account')).toBeUndefined();
  });

  it('draws an alias as the icon it stands for (simple-icons:nuxtdotjs is simple-icons:nuxt)', () => {
    const { icons, warnings } = load([
      { key: 'models[0].icon', icon: 'simple-icons:nuxtdotjs' },
      { key: 'models[1].icon', icon: 'simple-icons:nuxt' },
    ]);
    expect(warnings).toEqual([]);
    expect(icons.svg('simple-icons', 'nuxtdotjs')).toContain('<path');
    expect(icons.svg('simple-icons', 'nuxtdotjs')).toBe(icons.svg('simple-icons', 'nuxt'));
  });

  it('applies an alias’s transformation', () => {
    const { icons } = load([{ key: 'models[0].icon', icon: 'demo:turned' }], () =>
      Buffer.from(
        JSON.stringify({
          prefix: 'demo',
          icons: { arrow: { body: '<path d="M0 0"/>' } },
          aliases: { turned: { parent: 'arrow', rotate: 1 } },
        }),
      ),
    );
    expect(icons.svg('demo', 'turned')).toContain('<g transform="rotate(90 8 8)"><path d="M0 0"/></g>');
  });

  it('warns, naming the config key, about icons no installed set has, and goes on', () => {
    const { icons, warnings } = load([
      { key: 'models[0].icon', icon: 'mdi:no-such-icon-here' },
      { key: 'models[1].icon', icon: 'logos:openai' },
      { key: 'featured_models[0].icon', icon: 'mdi:Robot' },
      { key: 'models[2].icon', icon: 'mdi:robot' },
    ]);
    expect(warnings.map((warning) => warning.msg)).toEqual([
      'featured_models[0].icon: "mdi:Robot" is neither an image URL nor an Iconify id (prefix:name, lower case); the portal shows the title\'s first letter',
      'models[0].icon: the icon set "mdi" has no icon "no-such-icon-here"; the portal shows the title\'s first letter',
      'models[1].icon: no Iconify icon set "logos" is installed (@iconify-json/logos); the portal shows the title\'s first letter',
    ]);
    expect(icons.svg('mdi', 'robot')).toContain('<svg');
  });

  it('reads only the sets the config uses, each once', () => {
    const read: string[] = [];
    const { icons } = load(
      [
        { key: 'models[0].icon', icon: 'demo:a' },
        { key: 'models[1].icon', icon: 'demo:b' },
        { key: 'models[2].icon', icon: 'demo:a' },
      ],
      (prefix) => {
        read.push(prefix);
        return Buffer.from(
          JSON.stringify({ prefix: 'demo', icons: { a: { body: '<g/>' }, b: { body: '<i/>', width: 32 } } }),
        );
      },
    );
    expect(read).toEqual(['demo']);
    expect(icons.svg('demo', 'a')).toBe(
      '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16"><g/></svg>',
    );
    expect(icons.svg('demo', 'b')).toBe(
      '<svg xmlns="http://www.w3.org/2000/svg" width="32" height="16" viewBox="0 0 32 16"><i/></svg>',
    );
  });
});
