<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="en_US">
<context>
    <name>ApprovalBox</name>
    <message>
        <source>经理授权</source>
        <translation>Manager's approval</translation>
    </message>
    <message>
        <source>经理工号</source>
        <translation>Manager no.</translation>
    </message>
    <message>
        <source>经理密码</source>
        <translation>Manager PIN</translation>
    </message>
    <message>
        <source>原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>必填，记入审计日志</source>
        <translation>required; written to the audit log</translation>
    </message>
    <message>
        <source>由大堂经理在本窗口输入；柜员本人的登录不受影响。</source>
        <translation>Typed by the lobby manager at this counter; the teller stays logged in.</translation>
    </message>
</context>
<context>
    <name>CallTicketDialog</name>
    <message>
        <source>指定叫号</source>
        <translation>Call a ticket</translation>
    </message>
    <message>
        <source>指定叫号（不按顺序，需经理授权）</source>
        <translation>Call a specific ticket (out of turn, needs a manager)</translation>
    </message>
    <message>
        <source>号码</source>
        <translation>Ticket</translation>
    </message>
    <message>
        <source>例如 B002</source>
        <translation>e.g. B002</translation>
    </message>
    <message>
        <source>叫号</source>
        <translation>Call</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <source>柜员登录</source>
        <translation>Teller login</translation>
    </message>
    <message>
        <source>柜员登录 · {counter}号窗口</source>
        <translation>Teller login · counter {counter}</translation>
    </message>
    <message>
        <source>工号</source>
        <translation>Staff no.</translation>
    </message>
    <message>
        <source>密码</source>
        <translation>PIN</translation>
    </message>
    <message>
        <source>登录</source>
        <translation>Log in</translation>
    </message>
    <message>
        <source>退出</source>
        <translation>Quit</translation>
    </message>
</context>
<context>
    <name>SuspendedDialog</name>
    <message>
        <source>挂起的号</source>
        <translation>Suspended tickets</translation>
    </message>
    <message>
        <source>挂起的号：选择回到窗口的客户</source>
        <translation>Suspended: pick the customer who is back</translation>
    </message>
    <message>
        <source>恢复</source>
        <translation>Resume</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>TellerWindow</name>
    <message>
        <source>柜员窗口 · {counter}号窗口</source>
        <translation>Teller panel · counter {counter}</translation>
    </message>
    <message>
        <source>退出登录</source>
        <translation>Log out</translation>
    </message>
    <message>
        <source>暂停</source>
        <translation>Pause</translation>
    </message>
    <message>
        <source>开放窗口</source>
        <translation>Open counter</translation>
    </message>
    <message>
        <source>叫下一位</source>
        <translation>Call next</translation>
    </message>
    <message>
        <source>重呼</source>
        <translation>Recall</translation>
    </message>
    <message>
        <source>开始办理</source>
        <translation>Start</translation>
    </message>
    <message>
        <source>办结</source>
        <translation>Finish</translation>
    </message>
    <message>
        <source>未到</source>
        <translation>No-show</translation>
    </message>
    <message>
        <source>转移</source>
        <translation>Transfer</translation>
    </message>
    <message>
        <source>挂起</source>
        <translation>Suspend</translation>
    </message>
    <message>
        <source>恢复挂起</source>
        <translation>Resume</translation>
    </message>
    <message>
        <source>指定叫号</source>
        <translation>Call a ticket</translation>
    </message>
    <message>
        <source>退回队列</source>
        <translation>Hand back</translation>
    </message>
    <message>
        <source>关闭窗口</source>
        <translation>Close counter</translation>
    </message>
    <message>
        <source>未登录</source>
        <translation>Not logged in</translation>
    </message>
    <message>
        <source>开放</source>
        <translation>Open</translation>
    </message>
    <message>
        <source>关闭</source>
        <translation>Closed</translation>
    </message>
    <message>
        <source>与数据库的连接中断，正在重连…… 恢复前不能叫号。</source>
        <translation>Lost the database connection; reconnecting… No calls until it is back.</translation>
    </message>
    <message>
        <source>空闲</source>
        <translation>Free</translation>
    </message>
    <message>
        <source>按 F1 叫下一位</source>
        <translation>Press F1 to call the next customer</translation>
    </message>
    <message>
        <source>窗口未开放</source>
        <translation>Counter not open</translation>
    </message>
    <message>
        <source>办理中</source>
        <translation>Serving</translation>
    </message>
    <message>
        <source>已叫号</source>
        <translation>Called</translation>
    </message>
    <message>
        <source>已重呼 {n} 次</source>
        <translation>recalled {n}×</translation>
    </message>
    <message>
        <source>等候 {waited}　在窗口 {here}</source>
        <translation>Waited {waited}　at counter {here}</translation>
    </message>
    <message>
        <source>　办理 {took}</source>
        <translation>　serving {took}</translation>
    </message>
    <message>
        <source>等候 {n} 人</source>
        <translation>{n} waiting</translation>
    </message>
    <message>
        <source> · 下一位 {number}（{what}）已等 {waited}</source>
        <translation> · next {number} ({what}), waited {waited}</translation>
    </message>
    <message>
        <source>★ 下一位 VIP</source>
        <translation>★ Next: VIP</translation>
    </message>
    <message>
        <source>处理中……</source>
        <translation>Working…</translation>
    </message>
    <message>
        <source>工号或密码错误。</source>
        <translation>Wrong staff number or PIN.</translation>
    </message>
    <message>
        <source>经理工号或密码错误，未授权。</source>
        <translation>Wrong manager number or PIN: not approved.</translation>
    </message>
    <message>
        <source>密码连续输错 5 次，该工号已锁定，请 {minutes} 分钟后再试或联系管理员。</source>
        <translation>Locked after 5 wrong PINs: try again in {minutes} min or ask an administrator.</translation>
    </message>
    <message>
        <source>授权需要大堂经理的工号和密码；柜员不能授权。</source>
        <translation>Approval needs the lobby manager's number and PIN; a teller cannot approve.</translation>
    </message>
    <message>
        <source>该工号无权操作。</source>
        <translation>This staff number may not do that.</translation>
    </message>
    <message>
        <source>请输入工号和密码。</source>
        <translation>Enter your staff number and PIN.</translation>
    </message>
    <message>
        <source>请填写原因（将记入审计日志）。</source>
        <translation>Enter a reason (it is written to the audit log).</translation>
    </message>
    <message>
        <source>请输入经理工号和密码。</source>
        <translation>Enter the manager's number and PIN.</translation>
    </message>
    <message>
        <source>排在规则之前需要经理授权。</source>
        <translation>Placing ahead of the rule needs a manager's approval.</translation>
    </message>
    <message>
        <source>请输入要叫的号码。</source>
        <translation>Enter the ticket number to call.</translation>
    </message>
    <message>
        <source>{number} 已在该业务，请选择其他业务。</source>
        <translation>{number} is already in that service; choose another.</translation>
    </message>
    <message>
        <source>{number} 已被 {counter} 号窗口叫走，本窗口未叫号。</source>
        <translation>{number} was already called by counter {counter}; nothing was called here.</translation>
    </message>
    <message>
        <source>找不到号码 {number}（今天没有这个号）。</source>
        <translation>There is no ticket {number} today.</translation>
    </message>
    <message>
        <source>本窗口业务暂无人等候。</source>
        <translation>Nobody is waiting for this counter's services.</translation>
    </message>
    <message>
        <source>数据库连接中断，操作可能未完成；恢复后会重新载入，请核对后再操作。</source>
        <translation>Lost the database: the action may not have been done. The panel reloads when it is back; check before trying again.</translation>
    </message>
    <message>
        <source>操作未执行：{detail}</source>
        <translation>Not done: {detail}</translation>
    </message>
    <message>
        <source>操作失败（{detail}），请重试或联系管理员。</source>
        <translation>Failed ({detail}); try again or ask an administrator.</translation>
    </message>
    <message>
        <source>本窗口正由 {by} 使用；请对方关闭窗口或由经理处理。</source>
        <translation>This counter is worked by {by}; they must close it first, or ask a manager.</translation>
    </message>
    <message>
        <source>本窗口仍有 {number}：可重呼、办结、未到或退回队列。</source>
        <translation>This counter still has {number}: recall, finish, no-show or hand it back.</translation>
    </message>
    <message>
        <source>窗口已开放。</source>
        <translation>Counter opened.</translation>
    </message>
    <message>
        <source>已为本窗口叫号 {number}（{by}）。</source>
        <translation>{number} was called to this counter ({by}).</translation>
    </message>
    <message>
        <source>已为本窗口叫号 {number}（其他终端）。</source>
        <translation>{number} was called to this counter (from another station).</translation>
    </message>
    <message>
        <source>{number} 已不在本窗口（{kind}{by}）。</source>
        <translation>{number} is no longer at this counter ({kind}{by}).</translation>
    </message>
    <message>
        <source>窗口状态已被更改为「{status}」（{by}）。</source>
        <translation>The counter was set to “{status}” ({by}).</translation>
    </message>
    <message>
        <source>{number} 已恢复，排在该业务最前。</source>
        <translation>{number} resumed: first in line for its service.</translation>
    </message>
    <message>
        <source>{number} 已转到 {service} 业务。</source>
        <translation>{number} moved to service {service}.</translation>
    </message>
    <message>
        <source>已办结</source>
        <translation>finished</translation>
    </message>
    <message>
        <source>已被取消</source>
        <translation>cancelled</translation>
    </message>
    <message>
        <source>已转移</source>
        <translation>transferred</translation>
    </message>
    <message>
        <source>已退回队列</source>
        <translation>handed back</translation>
    </message>
</context>
<context>
    <name>TransferDialog</name>
    <message>
        <source>转移</source>
        <translation>Transfer</translation>
    </message>
    <message>
        <source>把 {number} 转到</source>
        <translation>Transfer {number} to</translation>
    </message>
    <message>
        <source>业务</source>
        <translation>Service</translation>
    </message>
    <message>
        <source>排队位置</source>
        <translation>Place in the queue</translation>
    </message>
    <message>
        <source>排在最后</source>
        <translation>Last</translation>
    </message>
    <message>
        <source>按原取号时间</source>
        <translation>By the original arrival time</translation>
    </message>
    <message>
        <source>排在最前</source>
        <translation>First</translation>
    </message>
    <message>
        <source>（本行规则）</source>
        <translation> (branch rule)</translation>
    </message>
    <message>
        <source>（需经理授权）</source>
        <translation> (needs a manager)</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
</context>
</TS>