import { render } from 'preact';

render(<p>KeyGuard</p>, document.getElementById('app') as HTMLElement);
