import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { createOrderflow } from '#lib/orderflow';
import { newApp } from './support/orderflow-app';

interface ValidationReport {
  pluginReports: { pluginName: string; conclusion: string; violations: { ruleName: string }[] }[];
}

// Prepare (once for the file): the app as bin/orderflow.ts builds it, with the AwsSolutions plugin.
const app = newApp();
createOrderflow(app);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
          path: c.node.path,
          id,
          reason,
        })),
      ),
  );
}

describe('cdk-nag AwsSolutions', () => {
  it('reports zero unacknowledged findings when the app synthesizes', () => {
    // Act: in-memory synthesis throws if any validation plugin reports a violation.
    const assembly = app.synth();

    // Assess
    const report = JSON.parse(
      readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8'),
    ) as ValidationReport;
    // A plugin with nothing to report (and nothing acknowledged) is left out of the report.
    expect(report.pluginReports.filter((r) => r.conclusion !== 'success').map((r) => r.pluginName)).toEqual(
      [],
    );
    expect(
      report.pluginReports.flatMap((r) => r.violations.map((v) => `${r.pluginName}: ${v.ruleName}`)),
    ).toEqual([]);
  });

  it('fails the synthesis on an unacknowledged finding (the check above is not vacuous)', () => {
    // Prepare: a queue with none of the house defaults.
    const canary = newApp();
    new sqs.Queue(new Stack(canary, 'Canary'), 'BareQueue');
    Validations.of(canary).addPlugins(new AwsSolutionsChecks(canary));

    // Act / Assess
    expect(() => canary.synth()).toThrow(/AwsSolutions-SQS3/);
  });

  it('finds nothing when walking the construct tree directly', () => {
    const result = new AwsSolutionsChecks().validateScope(app);
    expect(result.violations.map((v) => v.ruleName)).toEqual([]);
    expect(result.success).toBe(true);
  });

  it('gives every acknowledgement a reason a reviewer can check, on a construct below the stacks', () => {
    const acks = acknowledgements(app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.reason.length, `${ack.path} ${ack.id}`).toBeGreaterThanOrEqual(80);
      expect(ack.path.split('/').length, `${ack.id} is acknowledged on a whole stack`).toBeGreaterThan(1);
    }
  });
});
