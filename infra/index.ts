import { bookstore } from './src/stack';

const outputs = bookstore();

export const albUrl = outputs.albUrl;
export const imageTag = outputs.imageTag;
export const rollout = outputs.rollout;
export const queueUrls = outputs.queueUrls;
export const dashboardUrl = outputs.dashboardUrl;
export const alarmTopicArn = outputs.alarmTopicArn;
export const adminTokenSecretArn = outputs.adminTokenSecretArn;
export const orderTokenKeySecretArn = outputs.orderTokenKeySecretArn;
