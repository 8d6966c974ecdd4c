import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { createOrderflow } from '#lib/orderflow';

const app = new App();
createOrderflow(app);
// cdk-nag 3 runs as a policy validation plugin: an unacknowledged finding fails the synth.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
