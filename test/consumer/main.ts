import { SessionExecutor, sessionSpec, TimeoutError } from 'session-executor';
import type Greeter from './session.js';

const exec = await SessionExecutor.start(sessionSpec<typeof Greeter>(new URL('./session.js', import.meta.url), { greeting: 'hello' }));
const message: string = await exec.call('greet', 'packed');
// @ts-expect-error the argument type comes from the session definition
void exec.call('greet', 42).catch(() => {});
console.log(message, TimeoutError.name);
await exec.close();
