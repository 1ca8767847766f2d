import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nextProvider } from 'react-i18next';
import { App } from './app.js';
import { followLanguage, initialLanguage } from './i18n/browser-language.js';
import { createI18n } from './i18n/create-i18n.js';
import './styles.css';

const root = document.getElementById('root');
if (root !== null) {
  const i18n = createI18n(initialLanguage());
  followLanguage(i18n);
  createRoot(root).render(
    <StrictMode>
      <I18nextProvider i18n={i18n}>
        <App />
      </I18nextProvider>
    </StrictMode>,
  );
}
