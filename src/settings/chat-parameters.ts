import { SETTINGS, type PartialSettings, type ReasoningLevel, type SettingName } from './definitions.js';

/** The sampling fields of a chat request, in the SDK's names (it sends them snake_case). */
export interface ChatParameters {
  maxCompletionTokens: number;
  temperature?: number;
  topP?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  seed?: number;
  stop?: string[];
  reasoning?: { effort: Exclude<ReasoningLevel, 'off'> | 'none' };
}

export interface ChatParametersResult {
  parameters: ChatParameters;
  /** Settings that are set but that this model doesn't take: left out, and said in the footer. */
  unsupported: SettingName[];
}

/**
 * Turns effective settings into request fields, leaving out what the model's
 * `supported_parameters` doesn't list. With no list (the catalogue is unreachable, or the model
 * isn't in it) everything set is sent and OpenRouter decides.
 */
export function chatParameters(values: PartialSettings, supported: readonly string[] | undefined, maxAnswerTokens: number): ChatParametersResult {
  // Our own cap on the answer, not a sampling choice: always sent.
  const parameters: ChatParameters = { maxCompletionTokens: Math.min(values.max_tokens ?? maxAnswerTokens, maxAnswerTokens) };
  const unsupported: SettingName[] = [];
  for (const spec of SETTINGS) {
    const value = values[spec.name];
    if (!spec.parameter || value === undefined) continue;
    if (supported && !supported.includes(spec.parameter)) {
      // Turning reasoning off on a model that doesn't reason is already true: nothing to say.
      if (!(spec.name === 'reasoning' && value === 'off')) unsupported.push(spec.name);
      continue;
    }
    assign(parameters, spec.name, value);
  }
  return { parameters, unsupported };
}

/** Where each setting goes in the request; reasoning has a shape of its own. */
const FIELDS = {
  temperature: 'temperature',
  top_p: 'topP',
  frequency_penalty: 'frequencyPenalty',
  presence_penalty: 'presencePenalty',
  seed: 'seed',
  stop: 'stop',
} as const satisfies Partial<Record<SettingName, keyof ChatParameters>>;

function assign(p: ChatParameters, name: SettingName, value: unknown): void {
  if (name === 'reasoning') {
    // OpenRouter's way to turn reasoning off is effort `none` (the SDK passes only effort/summary).
    p.reasoning = { effort: value === 'off' ? 'none' : (value as Exclude<ReasoningLevel, 'off'>) };
  } else if (name in FIELDS) {
    (p as unknown as Record<string, unknown>)[FIELDS[name as keyof typeof FIELDS]] = value;
  }
}
