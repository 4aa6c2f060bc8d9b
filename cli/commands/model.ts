import type { Command } from 'commander';
import { loadModelFile, DEFAULT_MODEL_PATH } from '../../events';
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
        const limits = s.terminal ? 'terminal' : `stuck after ${formatDuration(s.expectWithinSeconds!)}, lost after ${formatDuration(s.lostAfterSeconds!)}`;
        out.push(`  ${s.name.padEnd(18)} ${s.system.padEnd(6)} ${limits}${s.terminal ? '' : ` -> ${m.successors(s.name).join(', ')}`}`);
      }
      if (m.handoffs.length) out.push('', 'handoffs:');
      for (const h of m.handoffs) out.push(`  ${h.from} (${h.fromSystem}) -> ${h.to} (${h.toSystem}) within ${formatDuration(h.withinSeconds)}${h.via ? `  via ${h.via}` : ''}`);
      if (m.slos.length) out.push('', 'SLOs:');
      for (const s of m.slos) out.push(`  ${(s.objective * 100).toFixed(1)}% of orders leave ${s.state} within ${formatDuration(s.withinSeconds)}`);
      console.log(out.join('\n'));
    });
}
