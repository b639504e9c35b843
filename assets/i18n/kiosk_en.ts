<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="en_US">
<context>
    <name>EntryScreen</name>
    <message>
        <source>请输入管理员密码</source>
        <translation>Manager PIN, please</translation>
    </message>
    <message>
        <source>请输入身份证号码或银行卡号</source>
        <translation>Enter your ID card number or bank card number</translation>
    </message>
    <message>
        <source>确定</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>返回</source>
        <translation>Back</translation>
    </message>
</context>
<context>
    <name>HomeScreen</name>
    <message>
        <source>请刷卡或插入身份证</source>
        <translation>Please swipe your card or insert your ID card</translation>
    </message>
    <message>
        <source>贵宾客户刷卡后可优先办理</source>
        <translation>VIP customers: swipe your card for priority service</translation>
    </message>
    <message>
        <source>不刷卡取号</source>
        <translation>Take a number without a card</translation>
    </message>
    <message>
        <source>输入身份证号或卡号</source>
        <translation>Type your ID or card number</translation>
    </message>
</context>
<context>
    <name>IdentifiedScreen</name>
    <message>
        <source>选择业务</source>
        <translation>Choose a service</translation>
    </message>
    <message>
        <source>尊敬的{tier}客户</source>
        <translation>Welcome, valued {tier} customer</translation>
    </message>
    <message>
        <source>{tier}客户 · 优先办理</source>
        <translation>{tier} customer · priority service</translation>
    </message>
    <message>
        <source>您的到来已通知大堂经理</source>
        <translation>Our lobby manager has been told you are here</translation>
    </message>
    <message>
        <source>欢迎光临</source>
        <translation>Welcome</translation>
    </message>
    <message>
        <source>{name}，您好</source>
        <translation>Hello, {name}</translation>
    </message>
</context>
<context>
    <name>KioskWindow</name>
    <message>
        <source>大字</source>
        <translation>Large text</translation>
    </message>
</context>
<context>
    <name>MessageScreen</name>
    <message>
        <source>未能读取您的卡片</source>
        <translation>Your card could not be read</translation>
    </message>
    <message>
        <source>请将卡片磁条朝向读卡器，匀速重新刷卡一次；也可以输入卡号或不刷卡取号。</source>
        <translation>Please swipe it again at an even speed, stripe towards the reader. You can also type the card number or take a number without a card.</translation>
    </message>
    <message>
        <source>号码有误</source>
        <translation>That number is not right</translation>
    </message>
    <message>
        <source>您输入的身份证号或卡号不正确，请核对后重新输入。</source>
        <translation>The ID or card number you typed is not valid. Please check it and type it again.</translation>
    </message>
    <message>
        <source>该业务现在不能取号</source>
        <translation>This service is not taking numbers now</translation>
    </message>
    <message>
        <source>请选择其他业务，或咨询大堂经理。</source>
        <translation>Please choose another service, or ask the lobby manager.</translation>
    </message>
    <message>
        <source>暂时无法取号</source>
        <translation>No numbers can be issued right now</translation>
    </message>
    <message>
        <source>请稍后再试，或请大堂经理为您取号。</source>
        <translation>Please try again in a moment, or ask the lobby manager for a number.</translation>
    </message>
    <message>
        <source>重新输入</source>
        <translation>Type it again</translation>
    </message>
    <message>
        <source>不刷卡取号</source>
        <translation>Take a number without a card</translation>
    </message>
    <message>
        <source>返回首页</source>
        <translation>Back to start</translation>
    </message>
</context>
<context>
    <name>OutOfServiceScreen</name>
    <message>
        <source>本机暂停服务</source>
        <translation>This machine is paused</translation>
    </message>
    <message>
        <source>系统正在恢复，请稍候片刻，或请大堂经理为您取号。</source>
        <translation>The system is recovering. Please wait a moment, or ask the lobby manager for a number.</translation>
    </message>
    <message>
        <source>正在自动重新连接……</source>
        <translation>Reconnecting automatically…</translation>
    </message>
</context>
<context>
    <name>ResultScreen</name>
    <message>
        <source>{s} 秒后自动返回首页</source>
        <translation>Back to the start in {s} seconds</translation>
    </message>
    <message>
        <source>完成</source>
        <translation>Done</translation>
    </message>
    <message>
        <source>您的号码</source>
        <translation>Your number</translation>
    </message>
    <message>
        <source>前面没有人等候，请留意叫号</source>
        <translation>You are next. Please listen for your number</translation>
    </message>
    <message>
        <source>前面还有 {n} 人</source>
        <translation>{n} ahead of you</translation>
    </message>
    <message>
        <source>预计等候约 {m} 分钟</source>
        <translation>About {m} min wait</translation>
    </message>
    <message>
        <source>手机扫码，保存您的号码</source>
        <translation>Scan with your phone to keep your number</translation>
    </message>
    <message>
        <source>已为您重新打印号票，请取票</source>
        <translation>Your ticket was printed again. Please take it</translation>
    </message>
    <message>
        <source>请取走号票，留意叫号</source>
        <translation>Please take your ticket and listen for your number</translation>
    </message>
    <message>
        <source>号票未能打印（打印机缺纸）。您的号码仍然有效，请记住号码或用手机扫描右侧二维码。已通知大堂经理。</source>
        <translation>The ticket could not be printed (out of paper). Your number is valid: remember it or scan the QR code with your phone. The lobby manager has been told.</translation>
    </message>
    <message>
        <source>号票未能打印（打印机故障）。您的号码仍然有效，请记住号码或用手机扫描右侧二维码。已通知大堂经理。</source>
        <translation>The ticket could not be printed (printer fault). Your number is valid: remember it or scan the QR code with your phone. The lobby manager has been told.</translation>
    </message>
</context>
<context>
    <name>ServicesScreen</name>
    <message>
        <source>请选择您要办理的业务</source>
        <translation>Please choose a service</translation>
    </message>
    <message>
        <source>返回首页</source>
        <translation>Back to start</translation>
    </message>
    <message>
        <source>尊敬的{tier}客户 {name}</source>
        <translation>Welcome, {tier} customer {name}</translation>
    </message>
    <message>
        <source>温馨提示：</source>
        <translation>Tip: </translation>
    </message>
    <message>
        <source>{time} 停止取号</source>
        <translation>No more numbers after {time}</translation>
    </message>
    <message>
        <source>{time} 开始取号</source>
        <translation>Numbers from {time}</translation>
    </message>
    <message>
        <source>暂停办理，请咨询大堂经理</source>
        <translation>Paused: please ask the lobby manager</translation>
    </message>
    <message>
        <source>无需等候</source>
        <translation>No wait</translation>
    </message>
    <message>
        <source>等候 {n} 人</source>
        <translation>{n} waiting</translation>
    </message>
    <message>
        <source>，约 {m} 分钟</source>
        <translation>, about {m} min</translation>
    </message>
</context>
</TS>