import { describe, expect, it } from 'vitest';
import { componentTable, registerButton, registerModal, type ButtonHandler, type ModalHandler } from '../../components/component.js';
import { components, registered } from '../../components/index.js';

const button = (prefix: string): ButtonHandler<string> => ({ prefix, parse: (d) => d, run: async () => undefined });
const modal = (prefix: string): ModalHandler<string> => ({ prefix, parse: (d) => d, run: async () => undefined });

describe('the component table', () => {
  it('holds every registered family once, by kind and prefix', () => {
    const keys = registered.map((c) => `${c.kind}:${c.prefix}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect([...components.keys()].sort()).toEqual(keys.sort());
    expect(keys).toEqual(expect.arrayContaining(['button:stop', 'button:answer', 'button:image', 'modal:image-edit', 'button:reasoning']));
  });

  it('refuses a second handler for a taken prefix instead of replacing the first', () => {
    expect(() => componentTable([registerButton(button('image')), registerButton(button('image'))])).toThrow('two button handlers for the custom_id prefix “image”');
    // A button and a modal may share a prefix: the kind of interaction tells them apart.
    expect(componentTable([registerButton(button('image')), registerModal(modal('image'))]).size).toBe(2);
  });

  it('refuses a prefix that a custom_id could never be split back into', () => {
    expect(() => componentTable([registerButton(button('image:edit'))])).toThrow('“image:edit” is not a custom_id prefix');
    expect(() => componentTable([registerButton(button(''))])).toThrow('“” is not a custom_id prefix');
  });
});
