import type { Command } from 'commander';
import { loadModelFile, DEFAULT_MODEL_PATH, type StateDef } from '../../events';
import { formatDuration } from '../../common/duration';

/** `orderscope model check [file]`: validates a process model and prints what it describes. */
export function registerModel(program: Command): void {
  const model = program.command('model').description('Work with the process model (config/order-model.yaml).');
  model
    .command('check')
    .description('Validate a process model file and print its states, handoffs and SLOs.')
    .argument('[file]', 'the model file', DEFAULT_MODEL_PATH)
    .action((file: string) => {
      const m = loadModelFile(file);
      const out: string[] = [`model "${m.name}" is valid: ${m.states.length} states, ${m.handoffs.length} handoffs, ${m.slos.length} SLOs`, ''];
      for (const s of m.states) {
        out.push(`  ${s.name.padEnd(18)} ${s.system.padEnd(6)} ${limitsOf(s)}${s.terminal ? '' : ` -> ${m.successors(s.name).join(', ')}`}${s.label === s.name ? '' : `  "${s.label}"`}`);
      }
      if (m.handoffs.length) out.push('', 'handoffs:');
      for (const h of m.handoffs) out.push(`  ${h.from} (${h.fromSystem}) -> ${h.to} (${h.toSystem}) within ${formatDuration(h.withinSeconds)}${h.via ? `  via ${h.via}` : ''}`);
      if (m.slos.length) out.push('', 'SLOs:');
      for (const s of m.slos) out.push(`  ${(s.objective * 100).toFixed(1)}% of orders leave ${s.state} within ${formatDuration(s.withinSeconds)}`);
      console.log(out.join('\n'));
    });
}

/** A state's limits as a sentence; a state without them is "observed only": measured, never flagged. */
function limitsOf(s: StateDef): string {
  if (s.terminal) return 'terminal';
  const limits = [
    s.expectWithinSeconds !== undefined && `stuck after ${formatDuration(s.expectWithinSeconds)}`,
    s.lostAfterSeconds !== undefined && `lost after ${formatDuration(s.lostAfterSeconds)}`,
  ].filter(Boolean);
  return limits.length ? limits.join(', ') : 'observed only';
}
