// The console's words in English and Japanese. The Japanese tab names follow the seed's product
// page (電話番号, 通話フロー, 電話連携のユーザー, 電話連携のグループ, 通話の履歴).
const words = {
  en: {
    app: 'callrouter console', signIn: 'Sign in', signOut: 'Sign out', apiKey: 'Admin API key',
    keyHelp: 'An org admin key (crk_…). It is kept for this tab only.', badKey: 'This key was refused.',
    language: 'Language',
    overview: 'Plan and credits', numbers: 'Phone numbers', flows: 'Call flows', users: 'Telephony users',
    groups: 'Telephony groups', history: 'Call history',
    balance: 'Balance', available: 'Available', reserved: 'Reserved', autoRecharge: 'Auto-recharge',
    enabled: 'Enabled', disabled: 'Disabled', threshold: 'Threshold', amount: 'Amount', monthlyCap: 'Monthly cap',
    recording: 'Recording storage', used: 'Used', included: 'Included', plan: 'Plan', usage: 'Usage by month',
    month: 'Month', creditsIn: 'Credits added', debits: 'Debits', lowBalance: 'The balance is below the auto-recharge threshold.',
    credits: 'credits', minutes: 'min',
    number: 'Number', country: 'Country', type: 'Type', flow: 'Flow', monthlyFee: 'Monthly fee', nextFee: 'Next fee',
    search: 'Search', contains: 'Contains', areaCode: 'Area code', buy: 'Buy', release: 'Release', none: '(none)',
    local: 'Local', mobile: 'Mobile', toll_free: 'Toll-free', availableNumbers: 'Available numbers',
    confirmRelease: 'Release this number?', bought: 'Bought', released: 'Released',
    id: 'ID', name: 'Name', description: 'Description', published: 'Published', version: 'Version', design: 'Design',
    newFlow: 'New flow', create: 'Create', delete: 'Delete', confirmDelete: 'Delete this?', notPublished: 'not published',
    group: 'Group', allGroups: 'All groups', client: 'Softphone client', phone: 'Phone', allowOutgoing: 'Outgoing calls',
    recordOutgoing: 'Record outgoing', callerId: 'Caller ID', customCallerId: 'Custom caller IDs', presence: 'Presence',
    addUser: 'Add a user', members: 'Members', wrapUp: 'Wrap-up (s)', addGroup: 'Add a group', add: 'Add',
    direction: 'Direction', inbound: 'Incoming', outbound: 'Outgoing', outcome: 'Outcome', any: 'Any',
    answered: 'Answered', missed: 'Missed', abandoned: 'Abandoned', voicemail: 'Voicemail', rejected: 'Rejected',
    failed: 'Failed', unanswered: 'Unanswered', user: 'User', since: 'From', until: 'Until', q: 'Number contains',
    apply: 'Apply', downloadCsv: 'Download CSV', next: 'Next page', first: 'First page', from: 'From', to: 'To',
    started: 'Started', duration: 'Duration (s)', charge: 'Charge', noCalls: 'No calls match.', live: 'live',
    palette: 'States', canvas: 'Flow canvas', settings: 'Settings', exits: 'Exits', start: 'Start state',
    setStart: 'Make start', saveDraft: 'Save draft', publish: 'Publish', diff: 'Draft vs published',
    saved: 'Draft saved', publishedOk: 'Published version', noSelection: 'Select a state to edit it.',
    addOption: 'Add option', key: 'Key', target: 'Goes to', deleteState: 'Delete state', back: 'All flows',
    added: 'Added', removed: 'Removed', changed: 'Changed', identical: 'Draft and published are the same.',
    warnings: 'Warnings', draft: 'Draft', dragHint: 'Drag a state onto the canvas, or press it to add it. Drag from an exit to a state to connect.',
    loading: 'Loading…', error: 'Error',
    ledger: 'Purchase history', when: 'When', kind: 'Kind', balanceAfter: 'Balance after', note: 'Note',
  },
  ja: {
    app: 'callrouter 管理コンソール', signIn: 'サインイン', signOut: 'サインアウト', apiKey: '管理者APIキー',
    keyHelp: '組織の管理者キー (crk_…)。このタブの間だけ保持されます。', badKey: 'このキーは拒否されました。',
    language: '言語',
    overview: 'プランとクレジット', numbers: '電話番号', flows: '通話フロー', users: '電話連携のユーザー',
    groups: '電話連携のグループ', history: '通話の履歴',
    balance: '残高', available: '利用可能', reserved: '予約済み', autoRecharge: '自動チャージ',
    enabled: '有効', disabled: '無効', threshold: 'しきい値', amount: 'チャージ額', monthlyCap: '月間上限',
    recording: '録音ストレージ', used: '使用量', included: '含まれる容量', plan: 'プラン', usage: '月別の利用状況',
    month: '月', creditsIn: '追加されたクレジット', debits: '利用額', lowBalance: '残高が自動チャージのしきい値を下回っています。',
    credits: 'クレジット', minutes: '分',
    number: '電話番号', country: '国', type: '種類', flow: '通話フロー', monthlyFee: '月額料金', nextFee: '次回の請求',
    search: '検索', contains: '含む数字', areaCode: '市外局番', buy: '購入', release: '削除', none: '(なし)',
    local: '固定', mobile: '携帯', toll_free: 'フリーダイヤル', availableNumbers: '購入できる電話番号',
    confirmRelease: 'この電話番号を削除しますか?', bought: '購入しました', released: '削除しました',
    id: 'ID', name: '名前', description: '説明', published: '公開済み', version: 'バージョン', design: '編集',
    newFlow: '新しい通話フロー', create: '作成', delete: '削除', confirmDelete: '削除しますか?', notPublished: '未公開',
    group: 'グループ', allGroups: 'すべてのグループ', client: 'ソフトフォン', phone: '電話', allowOutgoing: '発信を許可',
    recordOutgoing: '発信を録音', callerId: '発信者番号', customCallerId: 'カスタム発信者番号', presence: '状態',
    addUser: 'ユーザーを追加', members: 'メンバー', wrapUp: '後処理時間(秒)', addGroup: 'グループを追加', add: '追加',
    direction: '方向', inbound: '着信', outbound: '発信', outcome: '結果', any: 'すべて',
    answered: '応答', missed: '不在着信', abandoned: '放棄', voicemail: '留守番電話', rejected: '拒否',
    failed: '失敗', unanswered: '未応答', user: 'ユーザー', since: '開始日', until: '終了日', q: '番号に含む',
    apply: '適用', downloadCsv: 'CSVをダウンロード', next: '次のページ', first: '最初のページ', from: '発信元', to: '発信先',
    started: '開始日時', duration: '合計時間(秒)', charge: '料金', noCalls: '該当する通話はありません。', live: '通話中',
    palette: 'ステート', canvas: 'フローのキャンバス', settings: '設定', exits: '出口', start: '開始ステート',
    setStart: '開始にする', saveDraft: '下書きを保存', publish: '公開', diff: '下書きと公開版の比較',
    saved: '下書きを保存しました', publishedOk: '公開したバージョン', noSelection: '編集するステートを選んでください。',
    addOption: '選択肢を追加', key: 'キー', target: '移動先', deleteState: 'ステートを削除', back: '通話フロー一覧',
    added: '追加', removed: '削除', changed: '変更', identical: '下書きと公開版は同じです。',
    warnings: '警告', draft: '下書き', dragHint: 'ステートをキャンバスにドラッグするか、押して追加します。出口からステートへドラッグして接続します。',
    loading: '読み込み中…', error: 'エラー',
    ledger: '購入履歴', when: '日時', kind: '種類', balanceAfter: '残高', note: 'メモ',
  },
};

let current = sessionStorage.getItem('callrouter.lang') === 'ja' ? 'ja' : 'en';

export const language = () => current;
export function setLanguage(lang) {
  current = lang === 'ja' ? 'ja' : 'en';
  sessionStorage.setItem('callrouter.lang', current);
  document.documentElement.lang = current;
}
export const t = (key) => words[current][key] ?? words.en[key] ?? key;
