/**
 * Discord's checks on a modal (callback type 9): custom_id 1–100, title 1–45, 1–5 top-level
 * components, each an action row holding one text input (the older layout), a Label wrapping one
 * component, or a text display; text inputs with a custom_id, style 1 or 2, lengths up to 4000.
 */
import { isObj, type Json } from './json.js';
import { checkInt, checkString } from './form-checks.js';
import { FormErrors, type Reply } from './replies.js';

/** Components a Label may wrap (text input, selects, file upload, radio group, checkbox group, checkbox). */
const LABEL_CHILDREN = new Set([3, 4, 5, 6, 7, 8, 19, 21, 22, 23]);
const MAX_TEXT = 4000;

export function validateModal(data: Json): Reply | undefined {
  const fe = new FormErrors();
  checkString(fe, 'data.custom_id', data.custom_id, 1, 100);
  checkString(fe, 'data.title', data.title, 1, 45);
  const components = data.components;
  if (!Array.isArray(components)) fe.add('data.components', 'BASE_TYPE_REQUIRED', 'This field is required');
  else if (components.length < 1 || components.length > 5) fe.add('data.components', 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 5 in length.');
  else components.forEach((c, i) => checkTopLevel(fe, `data.components.${i}`, c));
  const seen = new Set<string>();
  for (const [path, id] of customIds(components)) {
    if (seen.has(id)) fe.add(path, 'COMPONENT_CUSTOM_ID_DUPLICATED', 'Component custom id cannot be duplicated');
    seen.add(id);
  }
  return fe.any ? fe.reply() : undefined;
}

function checkTopLevel(fe: FormErrors, path: string, c: unknown): void {
  if (!isObj(c)) {
    fe.add(path, 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
    return;
  }
  switch (c.type) {
    case 1: {
      const row = Array.isArray(c.components) ? c.components : [];
      if (row.length !== 1) fe.add(`${path}.components`, 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 1 in length.');
      const input = row[0];
      if (isObj(input) && input.type === 4) {
        // The text input's own label is what an action row shows (a Label carries it instead).
        checkString(fe, `${path}.components.0.label`, input.label, 1, 45);
        checkTextInput(fe, `${path}.components.0`, input);
      } else if (row.length === 1) fe.add(`${path}.components.0.type`, 'UNION_TYPE_CHOICES', 'Value of field "type" must be one of (4,).');
      break;
    }
    case 18:
      checkString(fe, `${path}.label`, c.label, 1, 45);
      if (c.description !== undefined) checkString(fe, `${path}.description`, c.description, 0, 100);
      if (!isObj(c.component)) fe.add(`${path}.component`, 'BASE_TYPE_REQUIRED', 'This field is required');
      else if (!LABEL_CHILDREN.has(c.component.type as number)) fe.add(`${path}.component.type`, 'UNION_TYPE_CHOICES', `Value of field "type" must be one of (${[...LABEL_CHILDREN].join(', ')}).`);
      else if (c.component.type === 4) checkTextInput(fe, `${path}.component`, c.component);
      else checkString(fe, `${path}.component.custom_id`, c.component.custom_id, 1, 100);
      break;
    case 10:
      checkString(fe, `${path}.content`, c.content, 1, MAX_TEXT);
      break;
    default:
      fe.add(`${path}.type`, 'UNION_TYPE_CHOICES', 'Value of field "type" must be one of (1, 10, 18).');
  }
}

function checkTextInput(fe: FormErrors, path: string, t: Json): void {
  checkString(fe, `${path}.custom_id`, t.custom_id, 1, 100);
  if (t.style === undefined) fe.add(`${path}.style`, 'BASE_TYPE_REQUIRED', 'This field is required');
  else if (t.style !== 1 && t.style !== 2) fe.add(`${path}.style`, 'BASE_TYPE_CHOICES', 'Value must be one of {1, 2}.');
  checkInt(fe, `${path}.min_length`, t.min_length, 0, MAX_TEXT);
  checkInt(fe, `${path}.max_length`, t.max_length, 1, MAX_TEXT);
  if (t.value !== undefined) checkString(fe, `${path}.value`, t.value, 0, MAX_TEXT);
  if (t.placeholder !== undefined) checkString(fe, `${path}.placeholder`, t.placeholder, 0, 100);
  if (t.required !== undefined && typeof t.required !== 'boolean') fe.add(`${path}.required`, 'BOOLEAN_TYPE_CONVERT', 'Must be either true or false.');
}

/** [error path, custom_id] of every input in the modal. */
function* customIds(components: unknown): Generator<[string, string]> {
  if (!Array.isArray(components)) return;
  for (const [i, c] of components.entries()) {
    if (!isObj(c)) continue;
    const row = Array.isArray(c.components) ? c.components[0] : undefined;
    if (isObj(row) && typeof row.custom_id === 'string') yield [`data.components.${i}.components.0.custom_id`, row.custom_id];
    if (isObj(c.component) && typeof c.component.custom_id === 'string') yield [`data.components.${i}.component.custom_id`, c.component.custom_id];
  }
}
