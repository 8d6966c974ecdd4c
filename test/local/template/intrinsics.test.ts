// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these are CloudFormation Fn::Sub strings, not JavaScript templates.
import { describe, expect, it } from 'vitest';
import {
  type ResolveScope,
  referencedLogicalIds,
  resolve,
  TemplateError,
} from '#lib/local/template/intrinsics';

const scope = (overrides: Partial<ResolveScope> = {}): ResolveScope => ({
  stackName: 'Stack',
  region: 'us-east-1',
  accountId: '000000000000',
  ref: (id) => {
    if (id === 'Queue') return 'http://127.0.0.1:4566/000000000000/Stack-Queue';
    if (id === 'Table') return 'Stack-Table';
    throw new TemplateError(`Ref ${id}: unknown`);
  },
  getAtt: (id, attribute) => `${id}.${attribute}-value`,
  importValue: (name) => `imported:${name}`,
  stackOutput: (stack, output) => `${stack}/${output}`,
  condition: (name) => name === 'IsUsEast1',
  findInMap: (map, top, second) => `${map}/${top}/${second}`,
  ...overrides,
});

describe('intrinsic functions', () => {
  it('resolves Ref to a resource and to pseudo parameters', () => {
    expect(resolve({ Ref: 'Table' }, scope())).toBe('Stack-Table');
    expect(resolve({ Ref: 'AWS::Region' }, scope())).toBe('us-east-1');
    expect(resolve({ Ref: 'AWS::AccountId' }, scope())).toBe('000000000000');
    expect(resolve({ Ref: 'AWS::Partition' }, scope())).toBe('aws');
    expect(resolve({ Ref: 'AWS::URLSuffix' }, scope())).toBe('amazonaws.com');
  });

  it('resolves Fn::GetAtt in both its list and its dotted form', () => {
    expect(resolve({ 'Fn::GetAtt': ['Orders', 'StreamArn'] }, scope())).toBe('Orders.StreamArn-value');
    expect(resolve({ 'Fn::GetAtt': 'Orders.Arn' }, scope())).toBe('Orders.Arn-value');
  });

  it('joins resolved parts with Fn::Join', () => {
    const value = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sqs:', { Ref: 'AWS::Region' }]] };
    expect(resolve(value, scope())).toBe('arn:aws:sqs:us-east-1');
  });

  it('substitutes names, attributes, pseudo parameters and variables in Fn::Sub, and keeps ${!literals}', () => {
    expect(resolve({ 'Fn::Sub': '${Table}/${Orders.Arn}/${AWS::Region}/${!Literal}' }, scope())).toBe(
      'Stack-Table/Orders.Arn-value/us-east-1/${Literal}',
    );
    expect(resolve({ 'Fn::Sub': ['${Name}-x', { Name: { Ref: 'Table' } }] }, scope())).toBe('Stack-Table-x');
  });

  it('selects and splits with Fn::Select and Fn::Split', () => {
    const url = { Ref: 'Queue' };
    expect(resolve({ 'Fn::Select': [4, { 'Fn::Split': ['/', url] }] }, scope())).toBe('Stack-Queue');
  });

  it('refuses Fn::Select past the end of the list with a clear error', () => {
    expect(() => resolve({ 'Fn::Select': [5, ['a', 'b']] }, scope())).toThrow(/outside a list of 2/);
  });

  it('reads other stacks through Fn::ImportValue and Fn::GetStackOutput', () => {
    expect(resolve({ 'Fn::ImportValue': 'Stateful:OrdersTable' }, scope())).toBe(
      'imported:Stateful:OrdersTable',
    );
    expect(
      resolve(
        {
          'Fn::GetStackOutput': { StackName: 'Stateful', OutputName: 'Out1', Region: { Ref: 'AWS::Region' } },
        },
        scope(),
      ),
    ).toBe('Stateful/Out1');
  });

  it('evaluates conditions and drops properties that resolve to AWS::NoValue', () => {
    const value = {
      Kept: { 'Fn::If': ['IsUsEast1', 'yes', 'no'] },
      Dropped: { 'Fn::If': ['IsElsewhere', 'yes', { Ref: 'AWS::NoValue' }] },
      Equal: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] },
      Either: { 'Fn::Or': [{ 'Fn::Equals': ['a', 'b'] }, { 'Fn::Not': [{ 'Fn::Equals': ['a', 'b'] }] }] },
    };
    expect(resolve(value, scope())).toEqual({ Kept: 'yes', Equal: true, Either: true });
  });

  it('lists the logical IDs a value references, through Ref, Fn::GetAtt and Fn::Sub, but not pseudo parameters', () => {
    const value = {
      A: { Ref: 'Table' },
      B: { 'Fn::GetAtt': ['Orders', 'Arn'] },
      C: { 'Fn::Sub': '${Queue.Arn}-${AWS::Region}-${Var}-${!Skip}' },
      D: { 'Fn::Sub': ['${Var}', { Var: { Ref: 'Topic' } }] },
    };
    expect([...referencedLogicalIds(value)].sort()).toEqual(['Orders', 'Queue', 'Table', 'Topic', 'Var']);
  });
});
